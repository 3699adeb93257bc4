-- grain: one row per (journey_id, step)
-- A journey is one customer's touchpoint events in time order, split after an inactivity
-- gap ($gap_seconds) and, optionally, after a goal ($end_at_goal). With $collapse_repeats a
-- touchpoint repeated right after itself (a reload, a second bike page) is one step.
-- Events with the same time keep the order the source recorded them in: the file's load
-- order, then its line (coarse exports put a goal and the step before it in one second).
-- after_goal: the step comes after the journey's first goal (browsing on after a purchase):
-- never a deviation, never a loss. goal_later: a goal comes after this step in the journey
-- (what int_moves calls goal_after; in the same window pass, so no sort of its own there).
-- $scoped: only the customers in jm_scope_customers, and of each only the journeys from
-- jm_scope_from's from_no on (an incremental night rebuilds those; the numbering still counts
-- every journey of the customer).
-- Inputs: events, map_touchpoints, jm_scope_customers, jm_scope_from.
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
    from numbered as n
    where not ($collapse_repeats and starts_journey = 0 and touchpoint = prev_touchpoint)
        and (
            not $scoped
            or exists (
                select 1 from jm_scope_from as f
                where f.customer_id = n.customer_id and n.journey_no >= f.from_no
            )
        )
),

-- one window pass per journey (partitioned by customer and journey number, in the
-- customer's order) gives the step, the next step and whether a goal came before or comes
-- after
stepped as (
    select
        c.customer_id,
        c.journey_no,
        row_number() over by_journey as step,
        c.source,
        c.event_id,
        c.touchpoint,
        c.channel,
        c.occurred_at,
        g.touchpoint is not null as is_goal,
        coalesce(
            sum(case when g.touchpoint is not null then 1 else 0 end) over (
                by_journey rows between unbounded preceding and 1 preceding
            ) > 0,
            false
        ) as after_goal,
        coalesce(
            sum(case when g.touchpoint is not null then 1 else 0 end) over (
                by_journey rows between 1 following and unbounded following
            ) > 0,
            false
        ) as goal_later,
        lead(c.touchpoint) over by_journey as next_touchpoint,
        lead(c.occurred_at) over by_journey as next_at
    from collapsed as c
    left join goals as g on g.touchpoint = c.touchpoint
    window by_journey as (
        partition by c.customer_id, c.journey_no order by c.occurred_at, c.load_id, c.record_no
    )
),

final as (
    select
        -- c/0001 .. c/9999, then c/10000 on: padded for reading, never cut (lpad truncates)
        customer_id || '/' || case
            when journey_no < 10000 then lpad(cast(journey_no as varchar), 4, '0')
            else cast(journey_no as varchar)
        end as journey_id,
        customer_id,
        journey_no,
        step,
        source,
        event_id,
        touchpoint,
        channel,
        occurred_at,
        is_goal,
        after_goal,
        goal_later,
        next_touchpoint,
        jm_seconds_between(occurred_at, next_at) as seconds_to_next
    from stepped
)

select * from final
