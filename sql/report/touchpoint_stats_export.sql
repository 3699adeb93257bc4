-- grain: one row per (level, node) of the report's scope: the touchpoints' and stages' counts
-- and rates , with each touchpoint's label, stage and channel in the map.
-- Inputs: touchpoint_stats, touchpoint_history, map_touchpoints, map_stages.
with

stats as (
    select
        level, node, journeys, drop_offs, exits, goal_journeys, visits, median_seconds_to_next
    from touchpoint_stats
    where not $ranged and segment = $segment and segment_value = $segment_value
    union all
    select
        level,
        node,
        sum(journeys),
        sum(drop_offs),
        sum(exits),
        sum(goal_journeys),
        cast(null as bigint),
        cast(null as double)
    from touchpoint_history
    where $ranged and grain = 'day' and segment = $segment and segment_value = $segment_value
        and period_start >= cast($start as date) and period_start < cast($end as date)
    group by level, node
),

final as (
    select
        $segment as segment,
        $segment_value as segment_value,
        s.level,
        s.node,
        coalesce(t.label, m.label) as label,
        coalesce(t.stage, m.stage) as stage,
        t.channel,
        cast(s.journeys as bigint) as journeys,
        cast(s.drop_offs as bigint) as drop_offs,
        cast(s.exits as bigint) as exits,
        cast(s.goal_journeys as bigint) as goal_journeys,
        s.visits,
        s.median_seconds_to_next,
        case when s.journeys > 0 then s.drop_offs / s.journeys end as drop_off_rate,
        case when s.journeys > 0 then s.exits / s.journeys end as exit_rate,
        case when s.journeys > 0 then s.goal_journeys / s.journeys end as goal_rate
    from stats as s
    left join map_touchpoints as t on s.level = 'touchpoint' and t.touchpoint = s.node
    left join map_stages as m on s.level = 'stage' and m.stage = s.node
)

select * from final
order by level desc, journeys desc, node
