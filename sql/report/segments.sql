-- grain: one row per (segment, segment value) among the report's scope's journeys (those
-- that entered between $start and $end, in segment $segment = $segment_value), plus one row
-- per channel ('channel', its name) for journeys that used it: journeys, goal and
-- conforming-journey rates. A segment profile's journeys count in each segment of the
-- profile.
-- Inputs: jm_report_counts (report/scope_counts), jm_internal.int_profile_segments.
with
counted as (
    select profile, kind, subject, journeys, goal_journeys, conforming_journeys
    from jm_report_counts
    where kind in ('journey', 'channel')
),

by_segment as (
    select
        s.segment,
        s.segment_value,
        cast(sum(c.journeys) as bigint) as journeys,
        cast(sum(c.goal_journeys) as bigint) as goal_journeys,
        cast(sum(c.conforming_journeys) as bigint) as conforming_journeys
    from counted as c
    inner join jm_internal.int_profile_segments as s on s.profile = c.profile
    where c.kind = 'journey' and s.segment <> 'all'
    group by s.segment, s.segment_value
),

by_channel as (
    select
        'channel' as segment,
        subject as segment_value,
        cast(sum(journeys) as bigint) as journeys,
        cast(sum(goal_journeys) as bigint) as goal_journeys,
        cast(sum(conforming_journeys) as bigint) as conforming_journeys
    from counted
    where kind = 'channel'
    group by subject
),

unioned as (
    select * from by_segment
    union all
    select * from by_channel
),

final as (
    select
        segment,
        segment_value,
        journeys,
        goal_journeys / journeys as goal_rate,
        conforming_journeys / journeys as conforming_journey_rate
    from unioned
)

select * from final
order by segment = 'channel', segment, journeys desc, segment_value
