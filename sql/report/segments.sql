-- grain: one row per (segment, segment value) among the report's scope's journeys (those
-- that entered between $start and $end, in segment $segment = $segment_value), plus one row
-- per channel ('channel', its name) for journeys that used it: journeys, goal and
-- conforming-journey rates.
-- Inputs: jm_report_scope (report/scope), jm_internal.int_journey_segments, journey_steps.
with
by_segment as (
    select s.segment, s.segment_value, sc.journey_id, sc.reached_goal, sc.conforms
    from jm_report_scope as sc
    inner join jm_internal.int_journey_segments as s on s.journey_id = sc.journey_id
    where s.segment <> 'all'
),

by_channel as (
    select distinct 'channel' as segment, js.channel as segment_value, sc.journey_id,
        sc.reached_goal, sc.conforms
    from jm_report_scope as sc
    inner join journey_steps as js on js.journey_id = sc.journey_id
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
        count(*) as journeys,
        avg(case when reached_goal then 1.0 else 0.0 end) as goal_rate,
        avg(case when conforms then 1.0 else 0.0 end) as conforming_journey_rate
    from unioned
    group by segment, segment_value
)

select * from final
order by segment = 'channel', segment, journeys desc, segment_value
