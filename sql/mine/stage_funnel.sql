-- grain: one row per (segment, segment_value, stage)
-- A journey counts for a stage when it got at least that far (its furthest stage), so the
-- funnel never grows: overall conversion = reached / entered, relative = reached / reached
-- at the previous stage.
-- Inputs: journey_steps, jm_internal.int_journey_segments, map_touchpoints, map_stages.
with
furthest as (
    select s.journey_id, max(m.stage_order) as furthest_stage
    from journey_steps as s
    inner join map_touchpoints as m on m.touchpoint = s.touchpoint
    group by s.journey_id
),

segmented as (
    select sg.segment, sg.segment_value, f.furthest_stage
    from furthest as f
    inner join jm_internal.int_journey_segments as sg on sg.journey_id = f.journey_id
),

reached as (
    select
        sg.segment,
        sg.segment_value,
        st.stage,
        st.stage_order,
        st.emotion,
        count(*) filter (where sg.furthest_stage >= st.stage_order) as journeys_reached,
        count(*) as journeys_entered
    from segmented as sg
    cross join map_stages as st
    group by sg.segment, sg.segment_value, st.stage, st.stage_order, st.emotion
),

final as (
    select
        *,
        journeys_reached / journeys_entered as overall_conversion_rate,
        case when lag(journeys_reached) over by_segment > 0
            then journeys_reached / lag(journeys_reached) over by_segment
        end as relative_conversion_rate,
        jm_wilson_low(journeys_reached, lag(journeys_reached) over by_segment)
            as relative_conversion_rate_low,
        jm_wilson_high(journeys_reached, lag(journeys_reached) over by_segment)
            as relative_conversion_rate_high
    from reached
    window by_segment as (partition by segment, segment_value order by stage_order)
)

select * from final
