-- grain: one row per customer id whose events this stitch changes
-- The customers of events about to be (re-)pointed: the new customer, and the old one they
-- leave (a link that joins two customers changes both). Their journeys are rebuilt next.
-- since: the earliest time among the events that come to or leave the customer, from which
-- on its journeys can change; lost_events: some of them leave it (the journey they left is
-- rebuilt whatever came before it).
-- Inputs: events, jm_stitched (the customer of every node this stitch labelled).
with
moving as (
    select
        e.customer_id as old_customer_id,
        m.customer_id as new_customer_id,
        e.occurred_at
    from events as e
    inner join jm_stitched as m on m.node = e.identity_key
    where e.customer_id is distinct from m.customer_id
),

sides as (
    select old_customer_id as customer_id, occurred_at, true as lost
    from moving
    where old_customer_id is not null
    union all
    select new_customer_id, occurred_at, false from moving
),

final as (
    select customer_id, min(occurred_at) as since, bool_or(lost) as lost_events
    from sides
    group by customer_id
)

select * from final
