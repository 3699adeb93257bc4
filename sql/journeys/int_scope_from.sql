-- grain: one row per customer in jm_scope_customers
-- from_no: the first of the customer's journeys an incremental night rebuilds. Every event
-- that came to the customer or left it since the last build is at or after since, so the
-- events before since are the same, in the same order, with the same breaks between
-- journeys; the journeys started before the journey of the last of them (p) stay as they
-- are. That journey is rebuilt when events left the customer (lost_events: they may have been
-- in it) or when the first event from since on (f) may continue it; when none left and f
-- starts a journey of its own (no event before it, or more than $gap_seconds after p), only
-- the journeys from f's on are. A break after a goal ($end_at_goal) is not looked at, which
-- can only rebuild one journey more than needed. since null: every journey, from_no 1.
-- Reads the scope's touchpoint events (the night's copy of events) and the customers' journeys
-- as built before this night, counted by start: a journey starts at an event, never a
-- collapsed repeat, so the journeys started before since are those of the events before it.
-- Inputs: jm_scope_customers, events, jm_internal.int_journeys, $gap_seconds.
with
scope as (
    select customer_id, since from jm_scope_customers where since is not null
),

around as (
    select
        s.customer_id,
        max(case when e.occurred_at < s.since then e.occurred_at end) as p_at,
        min(case when e.occurred_at >= s.since then e.occurred_at end) as f_at
    from scope as s
    inner join events as e on e.customer_id = s.customer_id
    where e.touchpoint is not null
    group by s.customer_id
),

started_before as (
    select s.customer_id, count(*) as journeys
    from scope as s
    inner join jm_internal.int_journeys as j on j.customer_id = s.customer_id
    where j.started_at < s.since
    group by s.customer_id
),

final as (
    select
        c.customer_id,
        case
            when c.since is null then cast(1 as bigint)
            when
                not c.lost_events
                and (a.p_at is null or jm_seconds_between(a.p_at, a.f_at) > $gap_seconds)
                then coalesce(b.journeys, 0) + 1
            else greatest(coalesce(b.journeys, 0), 1)
        end as from_no
    from jm_scope_customers as c
    left join around as a on a.customer_id = c.customer_id
    left join started_before as b on b.customer_id = c.customer_id
)

select * from final
