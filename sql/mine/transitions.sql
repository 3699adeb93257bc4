-- grain: one row per (from_touchpoint, to_touchpoint) observed, with the synthetic nodes
-- __start__ and __end__: the empirical journey graph (directly-follows), every move counted,
-- after-goal ones included (after_goal_journeys says how many of them followed a goal).
-- Inputs: jm_internal.int_moves.
with
moves as (
    select * from jm_internal.int_moves
),

final as (
    select
        from_touchpoint,
        to_touchpoint,
        count(*) as occurrences,
        count(distinct journey_id) as journeys,
        jm_percentile(seconds, 0.5) as median_seconds,
        jm_percentile(seconds, 0.9) as p90_seconds,
        bool_and(designed) as designed,
        count(distinct case when after_goal then journey_id end) as after_goal_journeys
    from moves
    group by from_touchpoint, to_touchpoint
)

select * from final
