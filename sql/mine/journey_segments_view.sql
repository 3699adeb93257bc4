-- grain: one row per (journey_id, segment): the segments a journey is counted in
-- (DDL body of the view jm_internal.int_journey_segments.) A journey counts in the segments
-- of its segment profile, so the per-journey segments are not stored: int_journey_segments
-- is built for the journeys a run builds and read by int_journey_profiles and
-- int_profile_segments only.
-- Inputs: jm_internal.int_journey_profiles, jm_internal.int_profile_segments.
with
final as (
    select p.journey_id, s.segment, s.segment_value
    from jm_internal.int_journey_profiles as p
    inner join jm_internal.int_profile_segments as s on s.profile = p.profile
)

select * from final
