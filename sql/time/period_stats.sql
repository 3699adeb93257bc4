-- grain: one row per (grain, period_start, segment, segment_value, level, node)
-- The touchpoint and stage metrics of touchpoint_stats, per period of event time: day
-- (grain 'day') and ISO week starting Monday ('week'). A journey belongs to the period in
-- which it first reached the touchpoint (or stage) in question, before its first goal: a
-- journey that reaches checkout on Monday and pays on Wednesday counts for Monday's
-- checkout. Counts only; rates are derived from them.
-- $scoped: only the ISO weeks in jm_touched_weeks (and their days): the periods an
-- incremental night's journeys count in, before and after.
-- Inputs: jm_internal.int_period_counts, jm_internal.int_profile_segments, jm_touched_weeks.
with
-- counted per segment profile and day (int_period_counts, kept over all journeys), then
-- spread over the profile's segments; a week is the sum of its days
by_profile as (
    select *
    from jm_internal.int_period_counts
    where not $scoped
        or cast(date_trunc('week', day) as date) in (select period_start from jm_touched_weeks)
),

by_day as (
    select
        ps.segment,
        ps.segment_value,
        b.day,
        b.level,
        b.node,
        cast(sum(b.journeys) as bigint) as journeys,
        cast(sum(b.drop_offs) as bigint) as drop_offs,
        cast(sum(b.exits) as bigint) as exits,
        cast(sum(b.goal_journeys) as bigint) as goal_journeys,
        cast(sum(b.continued) as bigint) as continued,
        cast(sum(b.continued_goal_journeys) as bigint) as continued_goal_journeys
    from by_profile as b
    inner join jm_internal.int_profile_segments as ps on ps.profile = b.profile
    group by ps.segment, ps.segment_value, b.day, b.level, b.node
),

by_week as (
    select
        segment,
        segment_value,
        cast(date_trunc('week', day) as date) as week,
        level,
        node,
        cast(sum(journeys) as bigint) as journeys,
        cast(sum(drop_offs) as bigint) as drop_offs,
        cast(sum(exits) as bigint) as exits,
        cast(sum(goal_journeys) as bigint) as goal_journeys,
        cast(sum(continued) as bigint) as continued,
        cast(sum(continued_goal_journeys) as bigint) as continued_goal_journeys
    from by_day
    group by segment, segment_value, cast(date_trunc('week', day) as date), level, node
),

final as (
    select
        'day' as grain, day as period_start, segment, segment_value, level, node, journeys,
        drop_offs, exits, goal_journeys, continued, continued_goal_journeys
    from by_day
    union all
    select
        'week', week, segment, segment_value, level, node, journeys,
        drop_offs, exits, goal_journeys, continued, continued_goal_journeys
    from by_week
)

select * from final
