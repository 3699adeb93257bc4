-- Flag rule unknown_touchpoint, candidates: a touchpoint the sources produce that the map
-- does not know (a rule and the map disagree, or the map is out of date). Structural.
-- Inputs: touchpoint_stats.
with
unknown as (
    select node, journeys
    from touchpoint_stats
    where segment = 'all' and level = 'touchpoint' and not in_map
),

final as (
    select
        'unknown_touchpoint' as kind,
        node as subject,
        node as touchpoint,
        cast(null as varchar) as from_touchpoint,
        cast(null as varchar) as to_touchpoint,
        cast(null as varchar) as cycle,
        'all' as segment,
        'all' as segment_value,
        'journeys' as metric,
        journeys as k,
        journeys as n,
        'structural' as test,
        cast(null as double) as threshold,
        cast(null as bigint) as k_base,
        cast(null as bigint) as n_base,
        journeys as journeys_affected,
        cast(null as double) as goal_rate_affected,
        cast(null as double) as goal_rate_expected,
        0.0 as lost_goal_completions,
        journeys as population
    from unknown
)

select * from final
