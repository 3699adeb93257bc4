-- grain: one row per (journey_id, step): the journey log in trace order, for the XES export
-- (one trace per journey, its events in step order). occurred_at is UTC.
-- Inputs: journey_steps.
with
steps as (
    select journey_id, customer_id, step, touchpoint, channel, occurred_at
    from journey_steps
),

final as (
    select journey_id, customer_id, step, touchpoint, channel, occurred_at
    from steps
)

select * from final
order by journey_id, step
