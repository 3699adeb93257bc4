-- grain: one row per (segment, segment value) among the report's scope's journeys (those
-- that entered between $start and $end, in segment $segment = $segment_value), plus one row
-- per channel ('channel', its name) for journeys that used it: journeys, goal and
-- conforming-journey rates. Summed from the kept counts (int_report_counts) over the scope's
-- days and profiles: a profile's journeys count in each segment of the profile.
-- Inputs: jm_internal.int_report_counts, jm_internal.int_profile_segments, $start, $end,
-- $segment, $segment_value.
with
counted as (
    select c.profile, c.kind, c.subject, c.journeys, c.goal_journeys, c.conforming_journeys
    from jm_internal.int_report_counts as c
    where c.kind in ('journey', 'channel')
        and c.started_on >= cast($start as date) and c.started_on < cast($end as date)
        and c.profile in (
            select profile from jm_internal.int_profile_segments
            where segment = $segment and segment_value = $segment_value
        )
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
