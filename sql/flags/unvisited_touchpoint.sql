-- Flag rule unvisited_touchpoint: a designed touchpoint no journey visited, once there are at
-- least $min_journeys_unvisited journeys (fewer say nothing).
-- Inputs: map_touchpoints, touchpoint_stats, int_journeys.
with
visited as (
    select node from touchpoint_stats where segment = 'all' and level = 'touchpoint'
),

total as (
    select count(*) as journeys from int_journeys
),

final as (
    select
        'unvisited_touchpoint' as kind,
        m.touchpoint as subject,
        m.touchpoint,
        cast(null as varchar) as from_touchpoint,
        cast(null as varchar) as to_touchpoint,
        'journeys' as metric,
        0.0 as value,
        cast(null as double) as ci_low,
        cast(null as double) as ci_high,
        cast(null as double) as threshold,
        cast(null as double) as baseline,
        0 as journeys_affected,
        0.0 as lost_goal_completions,
        'designed touchpoint ' || m.touchpoint || ' (' || m.stage || ', ' || m.channel
            || ') was visited by none of ' || cast(t.journeys as varchar) || ' journeys' as evidence
    from map_touchpoints as m
    cross join total as t
    left join visited as v on v.node = m.touchpoint
    where v.node is null and t.journeys >= $min_journeys_unvisited
)

select * from final
