-- grain: one row per (segment, segment_value, stage)
-- A journey counts for a stage when it got at least that far (its furthest stage), so the
-- funnel never grows: overall conversion = reached / entered, relative = reached / reached
-- at the previous stage.
-- Inputs: journey_steps, jm_internal.int_journey_profiles, jm_internal.int_profile_segments,
-- map_touchpoints, map_stages.
with
furthest as (
    select s.journey_id, max(m.stage_order) as furthest_stage
    from journey_steps as s
    inner join map_touchpoints as m on m.touchpoint = s.touchpoint
    group by s.journey_id
),

-- journeys per segment profile (int_journey_profiles) and furthest stage, then per segment
by_profile as (
    select p.profile, f.furthest_stage, count(*) as journeys
    from furthest as f
    inner join jm_internal.int_journey_profiles as p on p.journey_id = f.journey_id
    group by p.profile, f.furthest_stage
),

segmented as (
    select ps.segment, ps.segment_value, b.furthest_stage, b.journeys
    from by_profile as b
    inner join jm_internal.int_profile_segments as ps on ps.profile = b.profile
),

reached as (
    select
        sg.segment,
        sg.segment_value,
        st.stage,
        st.stage_order,
        st.emotion,
        cast(coalesce(sum(sg.journeys) filter (where sg.furthest_stage >= st.stage_order), 0)
            as bigint) as journeys_reached,
        cast(sum(sg.journeys) as bigint) as journeys_entered
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
