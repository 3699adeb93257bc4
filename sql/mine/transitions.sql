-- grain: one row per (from_touchpoint, to_touchpoint) observed, with the synthetic nodes
-- __start__ and __end__: the empirical journey graph (directly-follows).
-- Inputs: journey_steps, map_touchpoints, map_transitions.
with
edges as (
    select '__start__' as from_touchpoint, touchpoint as to_touchpoint, journey_id,
        cast(null as double) as seconds
    from journey_steps
    where step = 1
    union all
    select touchpoint, next_touchpoint, journey_id, seconds_to_next
    from journey_steps
    where next_touchpoint is not null
    union all
    select touchpoint, '__end__', journey_id, cast(null as double)
    from journey_steps
    where next_touchpoint is null
),

counted as (
    select
        from_touchpoint,
        to_touchpoint,
        count(*) as occurrences,
        count(distinct journey_id) as journeys,
        jm_percentile(seconds, 0.5) as median_seconds,
        jm_percentile(seconds, 0.9) as p90_seconds
    from edges
    group by from_touchpoint, to_touchpoint
),

final as (
    select
        c.*,
        case
            when c.from_touchpoint = '__start__' then coalesce(e.is_entry, false)
            when c.to_touchpoint = '__end__' then true
            else d.from_touchpoint is not null
        end as designed
    from counted as c
    left join map_transitions as d
        on d.from_touchpoint = c.from_touchpoint and d.to_touchpoint = c.to_touchpoint
    left join map_touchpoints as e
        on c.from_touchpoint = '__start__' and e.touchpoint = c.to_touchpoint
)

select * from final
