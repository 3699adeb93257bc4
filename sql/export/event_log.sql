-- grain: one row per (journey_id, step): the journey log under the column names process
-- mining tools read (pm4py, XES): case, activity, UTC timestamp, resource (the channel) and
-- the customer as a case attribute; sorted by case and time (step breaks ties in time).
-- Inputs: journey_steps.
with
steps as (
    select journey_id, customer_id, step, touchpoint, channel, occurred_at
    from journey_steps
),

final as (
    select
        journey_id as "case:concept:name",
        touchpoint as "concept:name",
        cast(occurred_at as timestamp with time zone) as "time:timestamp",
        channel as "org:resource",
        customer_id as "case:customer_id",
        step
    from steps
)

select "case:concept:name", "concept:name", "time:timestamp", "org:resource", "case:customer_id"
from final
order by "case:concept:name", "time:timestamp", step
