-- Flag rule undesigned_transition, candidates: every move the map does not design (an entry
-- at a touchpoint that is not an entry included), taken before the journey's first goal,
-- overall and in every segment.
-- k of n: journeys taking it that reach a goal afterwards, of the journeys taking it;
-- k_base of n_base: the other journeys at its source, their goal rate after the source.
-- Tested one-sided: do the journeys taking it convert worse? Moves that convert as well or
-- better are suggestions for the map (map_suggestions), not flags. share: journeys taking it
-- / journeys at its source, judged against the map's max_undesigned_share as a practical
-- effect.
-- Lost goal completions: journeys taking it times (the others' goal rate - theirs).
-- Inputs: jm_internal.int_moves, jm_internal.int_node_visits, jm_internal.int_journeys,
-- jm_internal.int_journey_segments, map_targets.
with
undesigned as (
    select
        journey_id,
        from_touchpoint,
        to_touchpoint,
        max(case when goal_after then 1 else 0 end) as goal_after
    from jm_internal.int_moves
    where not designed and not after_goal and to_touchpoint <> '__end__'
    group by journey_id, from_touchpoint, to_touchpoint
),

-- every journey at a source: visited the touchpoint (or started, for __start__), and whether
-- it reached a goal afterwards
at_source as (
    select journey_id, node as from_touchpoint, goal_after
    from jm_internal.int_node_visits
    where level = 'touchpoint'
    union all
    select journey_id, '__start__', case when reached_goal then 1 else 0 end
    from jm_internal.int_journeys
),

moves as (
    select distinct from_touchpoint, to_touchpoint from undesigned
),

outcomes as (
    select
        sg.segment,
        sg.segment_value,
        m.from_touchpoint,
        m.to_touchpoint,
        count(*) as at_source,
        count(u.journey_id) as took,
        count(u.journey_id) filter (where u.goal_after = 1) as took_goal,
        count(*) filter (where u.journey_id is null) as others,
        count(*) filter (where u.journey_id is null and a.goal_after = 1) as others_goal
    from moves as m
    inner join at_source as a on a.from_touchpoint = m.from_touchpoint
    inner join jm_internal.int_journey_segments as sg on sg.journey_id = a.journey_id
    left join undesigned as u
        on u.journey_id = a.journey_id
        and u.from_touchpoint = m.from_touchpoint and u.to_touchpoint = m.to_touchpoint
    group by sg.segment, sg.segment_value, m.from_touchpoint, m.to_touchpoint
),

final as (
    select
        'undesigned_transition' as kind,
        o.from_touchpoint || ' -> ' || o.to_touchpoint as subject,
        o.from_touchpoint as touchpoint,
        o.from_touchpoint,
        o.to_touchpoint,
        cast(null as varchar) as cycle,
        o.segment,
        o.segment_value,
        'source_share' as metric,
        o.took_goal as k,
        o.took as n,
        'worse_than_others' as test,
        coalesce(t.max_undesigned_share, 0.02) as threshold,
        o.others_goal as k_base,
        o.others as n_base,
        o.took as journeys_affected,
        case when o.took > 0 then o.took_goal / o.took end as goal_rate_affected,
        case when o.others > 0 then o.others_goal / o.others end as goal_rate_expected,
        case when o.took > 0 and o.others > 0
            then o.took * greatest(o.others_goal / o.others - o.took_goal / o.took, 0)
            else 0.0 end as lost_goal_completions,
        o.at_source as population
    from outcomes as o
    left join map_targets as t on t.touchpoint = o.from_touchpoint
)

select * from final
