-- grain: one row per customer id whose events this stitch changes
-- The customers of events about to be (re-)pointed: the new customer, and the old one they
-- leave (a link that joins two customers changes both). Their journeys are rebuilt next.
-- Inputs: events, jm_stitched (the customer of every node this stitch labelled).
with
moving as (
    select e.customer_id as old_customer_id, m.customer_id as new_customer_id
    from events as e
    inner join jm_stitched as m on m.node = e.identity_key
    where e.customer_id is distinct from m.customer_id
),

final as (
    select old_customer_id as customer_id from moving where old_customer_id is not null
    union
    select new_customer_id from moving
)

select * from final
