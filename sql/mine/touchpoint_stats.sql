-- grain: one row per (segment, segment_value, level, node): level 'touchpoint' or 'stage'.
-- exit_rate: journeys whose last step is here, without a goal / journeys visiting.
-- drop_off_rate: journeys visiting that reach neither a designed successor afterwards (for a
-- stage: a later stage) nor a goal / journeys visiting; null where the map designs no way
-- on, and for goals. A journey that reached a goal is never lost. goal_rate: journeys that reach a goal after their first visit / journeys visiting.
-- Each rate has its Wilson 95% interval.
-- Drop-off is decided once, in int_node_visits (dropped_off, can_drop_off).
-- Read from counts kept over all journeys per segment profile (int_node_counts,
-- int_next_seconds), which an incremental night updates with the journeys it rebuilds;
-- median_seconds_to_next is quantile_cont's (jm_percentile's) over every step, taken from
-- the times' value counts.
-- Inputs: jm_internal.int_node_counts, jm_internal.int_next_seconds,
-- jm_internal.int_profile_segments, map_touchpoints, map_stages.
with
-- counted per segment profile (int_node_counts), then spread over its segments
counted_by_profile as (
    select * from jm_internal.int_node_counts
),

counted as (
    select
        ps.segment,
        ps.segment_value,
        c.level,
        c.node,
        cast(sum(c.visits) as bigint) as visits,
        cast(sum(c.journeys) as bigint) as journeys,
        cast(sum(c.exits) as bigint) as exits,
        cast(sum(c.not_went_on) as bigint) as not_went_on,
        sum(c.can_drop_off_journeys) > 0 as can_drop_off,
        cast(sum(c.continued) as bigint) as continued,
        cast(sum(c.continued_goal_journeys) as bigint) as continued_goal_journeys,
        cast(sum(c.goal_journeys) as bigint) as goal_journeys
    from counted_by_profile as c
    inner join jm_internal.int_profile_segments as ps on ps.profile = c.profile
    group by ps.segment, ps.segment_value, c.level, c.node
),

-- the steps' seconds to the next, value counts per segment
next_seconds as (
    select
        ps.segment,
        ps.segment_value,
        n.touchpoint as node,
        n.seconds_to_next,
        sum(n.steps) as steps
    from jm_internal.int_next_seconds as n
    inner join jm_internal.int_profile_segments as ps on ps.profile = n.profile
    group by ps.segment, ps.segment_value, n.touchpoint, n.seconds_to_next
),

-- each time's last rank among the node's times in order (from 0), and the node's last rank
next_ranked as (
    select
        segment,
        segment_value,
        node,
        seconds_to_next,
        sum(steps) over (
            partition by segment, segment_value, node order by seconds_to_next
            rows between unbounded preceding and current row
        ) - 1 as last_rank,
        cast(sum(steps) over (partition by segment, segment_value, node) - 1 as double)
            as top_rank
    from next_seconds
),

-- the median of n values: the values at ranks floor and ceil of (n - 1) / 2, interpolated
next_bounds as (
    select
        segment,
        segment_value,
        node,
        max(top_rank) * 0.5 as median_rank,
        min(seconds_to_next) filter (where last_rank >= floor(top_rank * 0.5)) as median_low,
        min(seconds_to_next) filter (where last_rank >= ceil(top_rank * 0.5)) as median_high
    from next_ranked
    group by segment, segment_value, node
),

seconds_to_next as (
    select
        segment,
        segment_value,
        node,
        median_low + (median_high - median_low) * (median_rank - floor(median_rank))
            as median_seconds_to_next
    from next_bounds
),

rated as (
    select
        c.segment,
        c.segment_value,
        c.level,
        c.node,
        case when c.level = 'touchpoint' then m.stage else c.node end as stage,
        coalesce(m.stage_order, st.stage_order) as stage_order,
        c.level = 'touchpoint' and m.touchpoint is not null as in_map,
        coalesce(m.is_goal, false) as is_goal,
        c.visits,
        c.journeys,
        c.exits,
        c.exits / c.journeys as exit_rate,
        jm_wilson_low(c.exits, c.journeys) as exit_rate_low,
        jm_wilson_high(c.exits, c.journeys) as exit_rate_high,
        case when c.can_drop_off then c.not_went_on end as drop_offs,
        case when c.can_drop_off
            then c.not_went_on / c.journeys end as drop_off_rate,
        case when c.can_drop_off
            then jm_wilson_low(c.not_went_on, c.journeys) end as drop_off_rate_low,
        case when c.can_drop_off
            then jm_wilson_high(c.not_went_on, c.journeys) end as drop_off_rate_high,
        c.goal_journeys,
        c.goal_journeys / c.journeys as goal_rate,
        jm_wilson_low(c.goal_journeys, c.journeys) as goal_rate_low,
        jm_wilson_high(c.goal_journeys, c.journeys) as goal_rate_high,
        c.continued,
        case when c.continued > 0 then c.continued_goal_journeys / c.continued end
            as continued_goal_rate,
        t.median_seconds_to_next
    from counted as c
    left join map_touchpoints as m on c.level = 'touchpoint' and m.touchpoint = c.node
    left join map_stages as st on c.level = 'stage' and st.stage = c.node
    left join seconds_to_next as t
        on c.level = 'touchpoint' and t.segment = c.segment
        and t.segment_value = c.segment_value and t.node = c.node
),

final as (
    select * from rated
)

select * from final
