-- grain: one row per (from_touchpoint, to_touchpoint) observed, with the synthetic nodes
-- __start__ and __end__: the empirical journey graph (directly-follows), every move counted,
-- after-goal ones included (after_goal_journeys says how many of them followed a goal).
-- Read from counts kept over all journeys (int_transition_counts, int_move_seconds), which
-- an incremental night updates with the journeys it rebuilds. The median and p90 times are
-- quantile_cont's (jm_percentile's) over every move, taken from the times' value counts.
-- Inputs: jm_internal.int_transition_counts, jm_internal.int_move_seconds.
with
counts as (
    select * from jm_internal.int_transition_counts
),

-- each time's last rank among the move's times in order (from 0), and the move's last rank
ranked as (
    select
        from_touchpoint,
        to_touchpoint,
        seconds,
        sum(moves) over (
            partition by from_touchpoint, to_touchpoint order by seconds
            rows between unbounded preceding and current row
        ) - 1 as last_rank,
        cast(sum(moves) over (partition by from_touchpoint, to_touchpoint) - 1 as double)
            as top_rank
    from jm_internal.int_move_seconds
),

-- quantile q of n values: the values at ranks floor and ceil of (n - 1) * q, interpolated
-- (quantile_cont's definition; equal to jm_percentile over every move to the last bit or
-- two of a double)
bounds as (
    select
        from_touchpoint,
        to_touchpoint,
        max(top_rank) * 0.5 as median_rank,
        max(top_rank) * 0.9 as p90_rank,
        min(seconds) filter (where last_rank >= floor(top_rank * 0.5)) as median_low,
        min(seconds) filter (where last_rank >= ceil(top_rank * 0.5)) as median_high,
        min(seconds) filter (where last_rank >= floor(top_rank * 0.9)) as p90_low,
        min(seconds) filter (where last_rank >= ceil(top_rank * 0.9)) as p90_high
    from ranked
    group by from_touchpoint, to_touchpoint
),

final as (
    select
        c.from_touchpoint,
        c.to_touchpoint,
        c.occurrences,
        c.journeys,
        b.median_low + (b.median_high - b.median_low) * (b.median_rank - floor(b.median_rank))
            as median_seconds,
        b.p90_low + (b.p90_high - b.p90_low) * (b.p90_rank - floor(b.p90_rank)) as p90_seconds,
        c.undesigned_moves = 0 as designed,
        c.after_goal_journeys
    from counts as c
    left join bounds as b
        on b.from_touchpoint = c.from_touchpoint and b.to_touchpoint = c.to_touchpoint
)

select * from final
