-- grain: one row per (side, touchpoint): how many journeys start, or end, at the touchpoint
-- The DuckDB floor of the journey graph's start and end counts (pm4py's start and end
-- activities), straight from journey_steps.
with
starts as (
    select 'start' as side, touchpoint, count(*) as journeys
    from journey_steps
    where step = 1
    group by touchpoint
),

ends as (
    select 'end' as side, touchpoint, count(*) as journeys
    from journey_steps
    where next_touchpoint is null
    group by touchpoint
),

final as (
    select * from starts
    union all
    select * from ends
)

select * from final
