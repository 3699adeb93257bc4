-- grain: one row per (profile, kind, subject, object) of the report's scope: the kept counts
-- (int_report_counts) of the journeys that *entered* between $start (inclusive) and $end
-- (exclusive), summed over those days, for the segment profiles in segment $segment =
-- $segment_value ('all' = 'all' for everyone). The report materialises it once, as temp
-- table jm_report_counts, beside jm_report_scope, and the models of the map's cells and
-- flows, the emotion lane and the breakdown read it.
-- Inputs: jm_internal.int_report_counts, jm_internal.int_profile_segments, $start, $end,
-- $segment, $segment_value.
with
profiles as (
    select profile
    from jm_internal.int_profile_segments
    where segment = $segment and segment_value = $segment_value
),

final as (
    select
        c.profile,
        c.kind,
        c.subject,
        c.object,
        cast(sum(c.journeys) as bigint) as journeys,
        cast(sum(c.goal_journeys) as bigint) as goal_journeys,
        cast(sum(c.conforming_journeys) as bigint) as conforming_journeys
    from jm_internal.int_report_counts as c
    inner join profiles as p on p.profile = c.profile
    where c.started_on >= cast($start as date) and c.started_on < cast($end as date)
    group by c.profile, c.kind, c.subject, c.object
)

select * from final
