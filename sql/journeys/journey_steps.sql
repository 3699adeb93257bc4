-- grain: one row per (journey_id, step)
-- A journey is one customer's touchpoint events in time order, split after an inactivity
-- gap ($gap_seconds) and, optionally, after a goal ($end_at_goal). With $collapse_repeats a
-- touchpoint repeated right after itself (a reload, a second bike page) is one step.
-- Events with the same time keep the order the source recorded them in: the file's load
-- order, then its line (coarse exports put a goal and the step before it in one second).
-- after_goal: the step comes after the journey's first goal (browsing on after a purchase):
-- never a deviation, never a loss.
-- $scoped: only the customers in jm_scope_customers (an incremental night rebuilds those).
-- Inputs: events, map_touchpoints, jm_scope_customers.
with
touch_events as (
    select customer_id, source, event_id, touchpoint, channel, occurred_at, load_id, record_no
    from events
    where touchpoint is not null and customer_id is not null
        and (not $scoped or customer_id in (select customer_id from jm_scope_customers))
),

goals as (
    select touchpoint from map_touchpoints where is_goal
),

ordered as (
    select
        *,
        lag(occurred_at) over by_customer as prev_at,
        lag(touchpoint) over by_customer as prev_touchpoint
    from touch_events
    window by_customer as (partition by customer_id order by occurred_at, load_id, record_no)
),

boundaries as (
    select
        *,
        case
            when prev_at is null then 1
            when jm_seconds_between(prev_at, occurred_at) > $gap_seconds then 1
            when $end_at_goal and prev_touchpoint in (select touchpoint from goals) then 1
            else 0
        end as starts_journey
    from ordered
),

numbered as (
    select
        *,
        cast(sum(starts_journey) over (
            partition by customer_id
            order by occurred_at, load_id, record_no
            rows between unbounded preceding and current row
        ) as bigint) as journey_no
    from boundaries
),

collapsed as (
    select *
    from numbered
    where not ($collapse_repeats and starts_journey = 0 and touchpoint = prev_touchpoint)
),

stepped as (
    select
        -- c/0001 .. c/9999, then c/10000 on: padded for reading, never cut (lpad truncates)
        customer_id || '/' || case
            when journey_no < 10000 then lpad(cast(journey_no as varchar), 4, '0')
            else cast(journey_no as varchar)
        end as journey_id,
        customer_id,
        journey_no,
        row_number() over (
            partition by customer_id, journey_no order by occurred_at, load_id, record_no
        ) as step,
        source,
        event_id,
        touchpoint,
        channel,
        occurred_at
    from collapsed
),

with_goals as (
    select
        s.*,
        g.touchpoint is not null as is_goal
    from stepped as s
    left join goals as g on g.touchpoint = s.touchpoint
),

final as (
    select
        journey_id,
        customer_id,
        journey_no,
        step,
        source,
        event_id,
        touchpoint,
        channel,
        occurred_at,
        is_goal,
        coalesce(
            step > min(case when is_goal then step end) over (partition by journey_id), false
        ) as after_goal,
        lead(touchpoint) over by_journey as next_touchpoint,
        jm_seconds_between(occurred_at, lead(occurred_at) over by_journey) as seconds_to_next
    from with_goals
    window by_journey as (partition by journey_id order by step)
)

select * from final
