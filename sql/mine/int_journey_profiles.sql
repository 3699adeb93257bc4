-- grain: one row per journey: its segment profile, the combination of segment values it is
-- counted in (its entry channel, persona and each configured attribute's value together).
-- Journeys with the same profile count in the same segments, so an additive count per
-- segment is summed per profile first (a few hundred profiles) and then spread over the
-- profile's segments (int_profile_segments), instead of joining every fact row with every
-- segment of its journey.
-- Every journey has one row per segment in the same set of segments, so the profile (each
-- value with its length, in segment order) tells profiles apart whatever the values hold.
-- $scoped: only the journeys in jm_scope_journeys (an incremental night rebuilds those).
-- Inputs: jm_internal.int_journey_segments, jm_scope_journeys.
with
final as (
    select
        journey_id,
        string_agg(
            cast(length(segment_value) as varchar) || ':' || segment_value, '|'
            order by segment
        ) as profile
    from jm_internal.int_journey_segments
    where not $scoped or journey_id in (select journey_id from jm_scope_journeys)
    group by journey_id
)

select * from final
