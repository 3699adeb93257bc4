-- grain: one row per (grain, period_start, segment, segment_value, level, node)
-- The touchpoint and stage metrics of touchpoint_stats, per period of event time: day
-- (grain 'day') and ISO week starting Monday ('week'). A journey belongs to the period in
-- which it first reached the touchpoint (or stage) in question, before its first goal: a
-- journey that reaches checkout on Monday and pays on Wednesday counts for Monday's
-- checkout. Counts only; rates are derived from them.
-- $scoped: only the ISO weeks in jm_touched_weeks (and their days): the periods an
-- incremental night's journeys count in, before and after.
-- Inputs: jm_internal.int_node_visits, jm_internal.int_journey_profiles,
-- jm_internal.int_profile_segments, jm_touched_weeks.
with
-- counted per segment profile (int_journey_profiles) and day, then spread over the
-- profile's segments; a week is the sum of its days
by_profile as (
    select
        p.profile,
        cast(date_trunc('day', v.first_at) as date) as day,
        v.level,
        v.node,
        count(*) as journeys,
        count(*) filter (where v.dropped_off) as drop_offs,
        count(*) filter (where v.is_last and not v.reached_goal) as exits,
        count(*) filter (where v.goal_after = 1) as goal_journeys,
        count(*) filter (where v.went_on = 1) as continued,
        count(*) filter (where v.went_on = 1 and v.goal_after = 1) as continued_goal_journeys
    from jm_internal.int_node_visits as v
    inner join jm_internal.int_journey_profiles as p on p.journey_id = v.journey_id
    where not $scoped
        or cast(date_trunc('week', v.first_at) as date) in (
            select period_start from jm_touched_weeks
        )
    group by p.profile, cast(date_trunc('day', v.first_at) as date), v.level, v.node
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
