-- grain: one row per (journey_id, segment): the segments a journey is counted in
-- ('all', its entry channel, its persona, and each configured attribute of its events).
-- $scoped: only the journeys in jm_scope_journeys (an incremental night rebuilds those).
-- Inputs: jm_internal.int_journeys, jm_internal.int_journey_attributes, $segment_attributes,
-- jm_scope_journeys.
with
journeys_ as (
    select journey_id, entry_channel, persona from jm_internal.int_journeys
    where (not $scoped or journey_id in (select journey_id from jm_scope_journeys))
),

-- each configured attribute's smallest value on the journey's events, '(none)' if none
attribute_values as (
    select j.journey_id, n.name, min(a.value) as value
    from journeys_ as j
    cross join (select unnest($segment_attributes) as name) as n
    left join jm_internal.int_journey_attributes as a
        on a.journey_id = j.journey_id and a.name = n.name
    group by j.journey_id, n.name
),

final as (
    select journey_id, 'all' as segment, 'all' as segment_value from journeys_
    union all
    select journey_id, 'entry_channel', entry_channel from journeys_
    union all
    select journey_id, 'persona', persona from journeys_
    union all
    select journey_id, 'attribute:' || name, coalesce(value, '(none)') from attribute_values
)

select * from final
