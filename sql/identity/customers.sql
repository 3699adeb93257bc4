-- grain: one row per stitched customer
-- $scoped: only the customers in jm_stitch_customers (an incremental stitch replaces those).
-- Inputs: events, jm_internal.customer_map, jm_stitch_customers.
with
events_ as (
    select customer_id, occurred_at, channel, touchpoint
    from events
    where not $scoped or customer_id in (select customer_id from jm_stitch_customers)
),

identifiers as (
    select
        customer_id,
        count(*) as identifiers,
        count(*) filter (where node like 'cookie:%') as cookies,
        count(*) filter (where node like 'email:%') as emails,
        count(*) filter (where node like 'handle:%') as handles
    from jm_internal.customer_map
    where not $scoped or customer_id in (select customer_id from jm_stitch_customers)
    group by customer_id
),

activity as (
    select
        customer_id,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at,
        count(*) as events,
        count(touchpoint) as touchpoint_events,
        count(distinct channel) as channels
    from events_
    group by customer_id
),

final as (
    select a.*, i.identifiers, i.cookies, i.emails, i.handles
    from activity as a
    left join identifiers as i on i.customer_id = a.customer_id
)

select * from final
