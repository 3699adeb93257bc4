-- grain: one row per (journey_id, step)
-- A journey is one customer's touchpoint events in time order, split after an inactivity
-- gap ($gap_seconds) and, optionally, after a goal ($end_at_goal). With $collapse_repeats a
-- touchpoint repeated right after itself (a reload, a second bike page) is one step.
-- Events with the same time keep the order the source recorded them in: the file's load
-- order, then its line (coarse exports put a goal and the step before it in one second).
-- after_goal: the step comes after the journey's first goal (browsing on after a purchase):
-- never a deviation, never a loss. goal_later: a goal comes after this step in the journey
-- (what int_moves calls goal_after; computed here, so no sort of its own there).
-- Two sorts of the customer's events, not three: the second pass numbers the journeys and
-- also takes each row's place, goals so far and next row; a journey's first row and goals
-- come from one grouping of those (a hash aggregate and join, cheaper than a third sort by
-- journey).
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
        customer_id, source, event_id, touchpoint, channel, occurred_at, load_id, record_no,
        case
            when prev_at is null then 1
            when jm_seconds_between(prev_at, occurred_at) > $gap_seconds then 1
            when $end_at_goal and prev_touchpoint in (select touchpoint from goals) then 1
            else 0
        end as starts_journey,
        prev_touchpoint
    from ordered
),

-- a collapsed repeat never starts a journey, so leaving it out keeps every journey number
kept as (
    select b.*, case when g.touchpoint is not null then 1 else 0 end as goal
    from boundaries as b
    left join goals as g on g.touchpoint = b.touchpoint
    where not ($collapse_repeats and b.starts_journey = 0 and b.touchpoint = b.prev_touchpoint)
),

-- one window pass in the customer's order: the journey number, the row's place, the goals
-- so far and the next row (the next step when that row does not start a journey)
numbered as (
    select
        customer_id, source, event_id, touchpoint, channel, occurred_at, goal,
        cast(sum(starts_journey) over running as bigint) as journey_no,
        row_number() over by_customer as row_no,
        count(*) filter (where goal = 1) over running as goals_through,
        lead(touchpoint) over by_customer as lead_touchpoint,
        lead(occurred_at) over by_customer as lead_at,
        lead(starts_journey) over by_customer as lead_starts
    from kept
    window
        by_customer as (partition by customer_id order by occurred_at, load_id, record_no),
        running as (by_customer rows between unbounded preceding and current row)
),

scoped as (
    select *
    from numbered as n
    where not $scoped
        or exists (
            select 1 from jm_scope_from as f
            where f.customer_id = n.customer_id and n.journey_no >= f.from_no
        )
),

-- each journey's first row and the goals before it and in it
bounds as (
    select
        customer_id,
        journey_no,
        min(row_no) as first_row,
        min(goals_through - goal) as goals_before,
        max(goals_through) as goals_to_end
    from scoped
    group by customer_id, journey_no
),

final as (
    select
        -- c/0001 .. c/9999, then c/10000 on: padded for reading, never cut (lpad truncates)
        s.customer_id || '/' || case
            when s.journey_no < 10000 then lpad(cast(s.journey_no as varchar), 4, '0')
            else cast(s.journey_no as varchar)
        end as journey_id,
        s.customer_id,
        s.journey_no,
        s.row_no - b.first_row + 1 as step,
        s.source,
        s.event_id,
        s.touchpoint,
        s.channel,
        s.occurred_at,
        s.goal = 1 as is_goal,
        s.goals_through - s.goal > b.goals_before as after_goal,
        b.goals_to_end > s.goals_through as goal_later,
        case when s.lead_starts = 0 then s.lead_touchpoint end as next_touchpoint,
        jm_seconds_between(
            s.occurred_at, case when s.lead_starts = 0 then s.lead_at end
        ) as seconds_to_next
    from scoped as s
    inner join bounds as b on b.customer_id = s.customer_id and b.journey_no = s.journey_no
)

select * from final
