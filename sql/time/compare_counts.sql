-- grain: one row per (side, level, node), plus one per side for the goal over whole journeys
-- (level 'journey', node 'goal'): the counts "did the fix work?" compares. A journey is on a
-- side when it entered within the side's dates ($a_first <= started_on <= $a_last, and the
-- same for b) and belongs to the side's segment ($a_segment = $a_value; 'all' = 'all' for
-- everyone). Dates govern entry: a journey that starts in range is followed to its end.
-- Summed from the counts kept per segment profile and start day (int_start_counts, and
-- int_report_counts' 'journey' rows for the goal): the journeys of a segment are those of its
-- profiles (int_profile_segments), so no journey is read.
-- Inputs: jm_internal.int_start_counts, jm_internal.int_report_counts,
-- jm_internal.int_profile_segments.
with
sides as (
    select 'a' as side, profile, $a_first as first_day, $a_last as last_day
    from jm_internal.int_profile_segments
    where segment = $a_segment and segment_value = $a_value
    union all
    select 'b', profile, $b_first, $b_last
    from jm_internal.int_profile_segments
    where segment = $b_segment and segment_value = $b_value
),

nodes as (
    select
        s.side,
        c.level,
        c.node,
        cast(sum(c.journeys) as bigint) as journeys,
        cast(sum(c.drop_offs) as bigint) as drop_offs,
        cast(sum(c.goal_journeys) as bigint) as goal_journeys
    from sides as s
    inner join jm_internal.int_start_counts as c
        on c.profile = s.profile and c.started_on between s.first_day and s.last_day
    group by s.side, c.level, c.node
),

whole as (
    select
        s.side,
        'journey' as level,
        'goal' as node,
        cast(sum(r.journeys) as bigint) as journeys,
        cast(0 as bigint) as drop_offs,
        cast(sum(r.goal_journeys) as bigint) as goal_journeys
    from sides as s
    inner join jm_internal.int_report_counts as r
        on r.profile = s.profile and r.started_on between s.first_day and s.last_day
    where r.kind = 'journey'
    group by s.side
),

final as (
    select * from nodes
    union all
    select * from whole
)

select * from final
