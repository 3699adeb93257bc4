-- grain: one row per (grain, period_start, segment, segment_value, level, node)
-- The touchpoint and stage metrics of touchpoint_stats, per period of event time: day
-- (grain 'day') and ISO week starting Monday ('week'). A journey belongs to the period in
-- which it first reached the touchpoint (or stage) in question, before its first goal: a
-- journey that reaches checkout on Monday and pays on Wednesday counts for Monday's
-- checkout. Counts only; rates are derived from them.
-- Inputs: jm_internal.int_node_visits, jm_internal.int_journey_segments, map_touchpoints,
-- map_transitions, map_stages.
with
visits as (
    select v.*, sg.segment, sg.segment_value
    from jm_internal.int_node_visits as v
    inner join jm_internal.int_journey_segments as sg on sg.journey_id = v.journey_id
),

has_way_on as (
    select distinct from_touchpoint as node, 'touchpoint' as level from map_transitions
    union all
    select stage, 'stage' from map_stages where stage_order < (select max(stage_order) from map_stages)
),

goal_nodes as (
    select touchpoint as node from map_touchpoints where is_goal
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
        count(*) filter (
            where w.node is not null and g.node is null and d.went_on = 0 and d.goal_after = 0
        ) as drop_offs,
        count(*) filter (where d.is_last and not d.reached_goal) as exits,
        count(*) filter (where d.goal_after = 1) as goal_journeys,
        count(*) filter (where d.went_on = 1) as continued,
        count(*) filter (where d.went_on = 1 and d.goal_after = 1) as continued_goal_journeys
    from dated as d
    left join has_way_on as w on w.level = d.level and w.node = d.node
    left join goal_nodes as g on d.level = 'touchpoint' and g.node = d.node
    group by d.grain, d.period_start, d.segment, d.segment_value, d.level, d.node
)

select * from final
