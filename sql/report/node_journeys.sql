-- grain: one row per touchpoint visited by a journey of the report's scope: how many journeys
-- visited it at all (after their goal too), for the map's cells; the rates are node_stats'.
-- Summed from the kept counts (int_report_counts) over the scope's days and profiles.
-- Inputs: jm_internal.int_report_counts, jm_internal.int_profile_segments, $start, $end,
-- $segment, $segment_value.
with
counted as (
    select c.subject as touchpoint, c.journeys
    from jm_internal.int_report_counts as c
    where c.kind = 'touchpoint'
        and c.started_on >= cast($start as date) and c.started_on < cast($end as date)
        and c.profile in (
            select profile from jm_internal.int_profile_segments
            where segment = $segment and segment_value = $segment_value
        )
),

final as (
    select touchpoint, cast(sum(journeys) as bigint) as journeys
    from counted
    group by touchpoint
)

select * from final
order by touchpoint
