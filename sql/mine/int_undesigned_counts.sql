-- grain: one row per (profile, from_touchpoint, to_touchpoint) of a move the map does not
-- design taken before a journey's first goal (an entry at a touchpoint that is not an entry
-- included): the journeys taking it, those of them reaching a goal after the move (took_goal)
-- and after its source (took_source_goal), per segment profile. The undesigned_transition
-- rule reads it. Kept over all journeys: an incremental night subtracts the counts of the
-- journeys it rebuilds and adds their new ones (scope.SUMMARIES).
-- $scoped: only the journeys in jm_scope_journeys.
-- Inputs: jm_internal.int_moves, jm_internal.int_node_visits, jm_internal.int_journeys,
-- jm_internal.int_journey_profiles, jm_scope_journeys.
with
undesigned as (
    select
        journey_id,
        from_touchpoint,
        to_touchpoint,
        max(case when goal_after then 1 else 0 end) as goal_after
    from jm_internal.int_moves
    where not designed and not after_goal and to_touchpoint <> '__end__'
        and (not $scoped or journey_id in (select journey_id from jm_scope_journeys))
    group by journey_id, from_touchpoint, to_touchpoint
),

-- the journeys' goals after each source: after the touchpoint, or at all for __start__
at_source as (
    select journey_id, node as from_touchpoint, goal_after
    from jm_internal.int_node_visits
    where level = 'touchpoint'
        and (not $scoped or journey_id in (select journey_id from jm_scope_journeys))
    union all
    select journey_id, '__start__', case when reached_goal then 1 else 0 end
    from jm_internal.int_journeys
    where (not $scoped or journey_id in (select journey_id from jm_scope_journeys))
),

final as (
    select
        p.profile,
        u.from_touchpoint,
        u.to_touchpoint,
        count(*) as took,
        count(*) filter (where u.goal_after = 1) as took_goal,
        count(*) filter (where a.goal_after = 1) as took_source_goal
    from undesigned as u
    inner join at_source as a
        on a.journey_id = u.journey_id and a.from_touchpoint = u.from_touchpoint
    inner join jm_internal.int_journey_profiles as p on p.journey_id = u.journey_id
    group by p.profile, u.from_touchpoint, u.to_touchpoint
)

select * from final
