-- grain: one row per touchpoint visited by a journey of the report's scope: how many journeys
-- visited it at all (after their goal too), for the map's cells; the rates are node_stats'.
-- Inputs: journey_steps, journeys, jm_internal.int_journey_segments.
with

scope as (
    select j.journey_id
    from journeys as j
    inner join jm_internal.int_journey_segments as s on s.journey_id = j.journey_id
    where s.segment = $segment and s.segment_value = $segment_value
        and j.started_at >= $start and j.started_at < $end
),

final as (
    select js.touchpoint, count(distinct js.journey_id) as journeys
    from journey_steps as js
    inner join scope as s on s.journey_id = js.journey_id
    group by js.touchpoint
)

select * from final
order by touchpoint
