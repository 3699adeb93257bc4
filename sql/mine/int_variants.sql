-- grain: one row per variant (distinct touchpoint sequence)
-- Inputs: jm_internal.int_journeys.
with
journeys_ as (
    select variant_id, sequence, replay_sequence, replay_steps, events, reached_goal, conforms
    from jm_internal.int_journeys
),

final as (
    select
        variant_id,
        min(sequence) as sequence,
        min(replay_sequence) as replay_sequence,
        min(replay_steps) as replay_steps,
        min(events) as steps,
        count(*) as journeys,
        count(*) / (select count(*) from journeys_) as journey_share,
        avg(case when reached_goal then 1.0 else 0.0 end) as goal_rate,
        bool_and(conforms) as conforms
    from journeys_
    group by variant_id
)

select * from final
