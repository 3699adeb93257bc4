-- grain: one row per (profile, segment): the segments the journeys of a segment profile
-- (int_journey_profiles) are counted in, read from one journey of the profile. Journeys of
-- one profile are counted in the same segments, so any of them will do.
-- $scoped: only the profiles of the journeys in jm_scope_journeys that the table does not hold
-- yet (an incremental night adds those; the profiles left without a journey it deletes).
-- Inputs: jm_internal.int_journey_profiles, jm_internal.int_journey_segments,
-- jm_scope_journeys.
with
representatives as (
    select profile, min(journey_id) as journey_id
    from jm_internal.int_journey_profiles
    where not $scoped or journey_id in (select journey_id from jm_scope_journeys)
    group by profile
),

final as (
    select r.profile, sg.segment, sg.segment_value
    from representatives as r
    inner join jm_internal.int_journey_segments as sg on sg.journey_id = r.journey_id
)

select * from final
