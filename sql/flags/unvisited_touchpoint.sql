-- Flag rule unvisited_touchpoint, candidates: a designed touchpoint no journey visited, once
-- there are at least $min_journeys_unvisited journeys (fewer say nothing). Structural: no test.
-- Inputs: map_touchpoints, journey_steps, jm_internal.int_journeys.
with
visited as (
    select distinct touchpoint as node from journey_steps
),

total as (
    select count(*) as journeys from jm_internal.int_journeys
),

final as (
    select
        'unvisited_touchpoint' as kind,
        m.touchpoint as subject,
        m.touchpoint,
        cast(null as varchar) as from_touchpoint,
        cast(null as varchar) as to_touchpoint,
        cast(null as varchar) as cycle,
        'all' as segment,
        'all' as segment_value,
        'journeys' as metric,
        cast(0 as bigint) as k,
        t.journeys as n,
        'structural' as test,
        cast(null as double) as threshold,
        cast(null as bigint) as k_base,
        cast(null as bigint) as n_base,
        cast(0 as bigint) as journeys_affected,
        cast(null as double) as goal_rate_affected,
        cast(null as double) as goal_rate_expected,
        0.0 as lost_goal_completions,
        t.journeys as population
    from map_touchpoints as m
    cross join total as t
    left join visited as v on v.node = m.touchpoint
    where v.node is null and t.journeys >= $min_journeys_unvisited
)

select * from final
