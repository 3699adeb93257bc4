-- grain: one row per (profile, segment): the segments the journeys of a segment profile
-- (int_journey_profiles) are counted in, read from one journey of the profile.
-- Inputs: jm_internal.int_journey_profiles, jm_internal.int_journey_segments.
with
representatives as (
    select profile, min(journey_id) as journey_id
    from jm_internal.int_journey_profiles
    group by profile
),

final as (
    select r.profile, sg.segment, sg.segment_value
    from representatives as r
    inner join jm_internal.int_journey_segments as sg on sg.journey_id = r.journey_id
)

select * from final
