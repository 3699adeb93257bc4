-- grain: one row per (journey_id, step): the journeys as the event log pm4py reads
-- (case id journey_id, activity touchpoint, timestamp occurred_at), in step order so that
-- pm4py's stable sort keeps the recorded order of steps with the same timestamp.
with
steps as (
    select journey_id, step, touchpoint, occurred_at
    from journey_steps
),

final as (
    select journey_id, touchpoint, occurred_at
    from steps
    order by journey_id, step
)

select * from final
