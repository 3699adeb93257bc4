-- grain: one row per (grain, period_start, segment, segment_value, level, node)
-- The touchpoint and stage metrics of touchpoint_stats, per period of event time: day
-- (grain 'day') and ISO week starting Monday ('week'). A journey belongs to the period in
-- which it first reached the touchpoint (or stage) in question, before its first goal: a
-- journey that reaches checkout on Monday and pays on Wednesday counts for Monday's
-- checkout. Counts only; rates are derived from them.
-- $scoped: only the ISO weeks in jm_touched_weeks (and their days): the periods an
-- incremental night's journeys count in, before and after.
-- Inputs: jm_internal.int_node_visits, jm_internal.int_journey_segments, jm_touched_weeks.
with
visits as (
    select v.*, sg.segment, sg.segment_value
    from jm_internal.int_node_visits as v
    inner join jm_internal.int_journey_segments as sg on sg.journey_id = v.journey_id
    where not $scoped
        or cast(date_trunc('week', v.first_at) as date) in (
            select period_start from jm_touched_weeks
        )
),

grains as (
    select 'day' as grain
    union all
    select 'week'
),

dated as (
    select
        g.grain,
        case
            when g.grain = 'day' then cast(date_trunc('day', v.first_at) as date)
            else cast(date_trunc('week', v.first_at) as date)
        end as period_start,
        v.*
    from visits as v
    cross join grains as g
),

final as (
    select
        d.grain,
        d.period_start,
        d.segment,
        d.segment_value,
        d.level,
        d.node,
        count(*) as journeys,
        count(*) filter (where d.dropped_off) as drop_offs,
        count(*) filter (where d.is_last and not d.reached_goal) as exits,
        count(*) filter (where d.goal_after = 1) as goal_journeys,
        count(*) filter (where d.went_on = 1) as continued,
        count(*) filter (where d.went_on = 1 and d.goal_after = 1) as continued_goal_journeys
    from dated as d
    group by d.grain, d.period_start, d.segment, d.segment_value, d.level, d.node
)

select * from final
