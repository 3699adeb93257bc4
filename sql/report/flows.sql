-- grain: one row per move between two touchpoints that is designed or was taken by a journey
-- of the report's scope (after its goal too: the map goes on to onboarding and advocacy):
-- journeys taking it, and whether it is designed. Designed moves nobody took have 0 journeys.
-- Summed from the kept counts (int_report_counts) over the scope's days and profiles.
-- Inputs: jm_internal.int_report_counts, jm_internal.int_profile_segments, map_transitions,
-- $start, $end, $segment, $segment_value.
with
counted as (
    select c.subject as from_touchpoint, c.object as to_touchpoint, c.journeys
    from jm_internal.int_report_counts as c
    where c.kind = 'move'
        and c.started_on >= cast($start as date) and c.started_on < cast($end as date)
        and c.profile in (
            select profile from jm_internal.int_profile_segments
            where segment = $segment and segment_value = $segment_value
        )
),

moves as (
    select from_touchpoint, to_touchpoint, sum(journeys) as journeys
    from counted
    group by from_touchpoint, to_touchpoint
),

designed as (
    select distinct from_touchpoint, to_touchpoint from map_transitions
),

final as (
    select
        coalesce(m.from_touchpoint, d.from_touchpoint) as from_touchpoint,
        coalesce(m.to_touchpoint, d.to_touchpoint) as to_touchpoint,
        cast(coalesce(m.journeys, 0) as bigint) as journeys,
        d.from_touchpoint is not null as designed
    from moves as m
    full outer join designed as d
        on d.from_touchpoint = m.from_touchpoint and d.to_touchpoint = m.to_touchpoint
)

select * from final
order by journeys desc, from_touchpoint, to_touchpoint
