-- grain: one row per customer id whose events this stitch changes
-- The customers of events about to be (re-)pointed: the new customer, and the old one they
-- leave (a link that joins two customers changes both). Their journeys are rebuilt next.
-- since: the earliest time among the customer's new events (events that had no customer
-- yet), from which on its journeys can change; null when any of its events moves between two
-- customers (every journey of both is rebuilt).
-- Inputs: events, jm_stitched (the customer of every node this stitch labelled).
with
moving as (
    select
        e.customer_id as old_customer_id,
        m.customer_id as new_customer_id,
        case when e.customer_id is null then e.occurred_at end as since
    from events as e
    inner join jm_stitched as m on m.node = e.identity_key
    where e.customer_id is distinct from m.customer_id
),

sides as (
    select old_customer_id as customer_id, since from moving where old_customer_id is not null
    union all
    select new_customer_id, since from moving
),

final as (
    select
        customer_id,
        case when count(since) = count(*) then min(since) end as since
    from sides
    group by customer_id
)

select * from final
