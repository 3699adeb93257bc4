-- grain: one row per (cycle, first_touchpoint, profile) of a rework cycle with a move the map
-- does not design: the counted journeys that went round it, and those of them reaching a goal
-- after their first visit of its first touchpoint (goal_journeys), per segment profile. The
-- loop rule reads it. Kept over all journeys: an incremental night subtracts the counts of
-- the journeys it rebuilds and adds their new ones (scope.SUMMARIES).
-- $scoped: only the journeys in jm_scope_journeys.
-- Inputs: jm_internal.int_journey_cycles, jm_internal.int_node_visits,
-- jm_internal.int_journey_profiles, jm_scope_journeys.
with
repeats as (
    select distinct journey_id, cycle, first_touchpoint
    from jm_internal.int_journey_cycles
    where not designed
        and (not $scoped or journey_id in (select journey_id from jm_scope_journeys))
),

final as (
    select
        r.cycle,
        r.first_touchpoint,
        p.profile,
        count(*) as journeys,
        count(*) filter (where v.goal_after = 1) as goal_journeys
    from repeats as r
    inner join jm_internal.int_journey_profiles as p on p.journey_id = r.journey_id
    left join jm_internal.int_node_visits as v
        on v.journey_id = r.journey_id and v.level = 'touchpoint'
        and v.node = r.first_touchpoint
    group by r.cycle, r.first_touchpoint, p.profile
)

select * from final
