-- grain: one row per (from_touchpoint, to_touchpoint) directly-follows pair of journey_steps
-- The DuckDB floor of the journey graph: the least SQL that yields each move's count and its
-- median and p90 seconds, straight from journey_steps (whose next_touchpoint and
-- seconds_to_next the journeys model already computed). Measured by benchmarks/bench.py
-- against mining's graph-and-variants step and pm4py's discover_dfg and
-- discover_performance_dfg.
with
steps as (
    select touchpoint, next_touchpoint, seconds_to_next
    from journey_steps
    where next_touchpoint is not null
),

final as (
    select
        touchpoint as from_touchpoint,
        next_touchpoint as to_touchpoint,
        count(*) as occurrences,
        quantile_cont(seconds_to_next, 0.5) as median_seconds,
        quantile_cont(seconds_to_next, 0.9) as p90_seconds
    from steps
    group by touchpoint, next_touchpoint
)

select * from final
