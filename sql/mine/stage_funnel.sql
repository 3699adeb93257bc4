-- grain: one row per (segment, segment_value, stage)
-- A journey counts for a stage when it got at least that far (its furthest stage), so the
-- funnel never grows: overall conversion = reached / entered, relative = reached / reached
-- at the previous stage.
-- Counted per segment profile over all journeys in kept counts (int_stage_reach).
-- Inputs: jm_internal.int_stage_reach, jm_internal.int_profile_segments, map_stages.
with
by_profile as (
    select * from jm_internal.int_stage_reach
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
