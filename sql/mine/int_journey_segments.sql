-- grain: one row per (journey_id, segment): the segments a journey is counted in
-- ('all', its entry channel, its persona, and each configured attribute of its events).
-- $scoped: only the journeys in jm_scope_journeys (an incremental night rebuilds those).
-- Inputs: jm_internal.int_journeys, journey_steps, events, $segment_attributes,
-- jm_scope_journeys.
with
journeys_ as (
    select journey_id, entry_channel, persona from jm_internal.int_journeys
    where (not $scoped or journey_id in (select journey_id from jm_scope_journeys))
),

attribute_values as (
    select
        s.journey_id,
        a.name,
        min(jm_json_get(e.attributes, a.name)) as value
    from journey_steps as s
    inner join events as e on e.source = s.source and e.event_id = s.event_id
    cross join (select unnest($segment_attributes) as name) as a
    where not $scoped or s.journey_id in (select journey_id from jm_scope_journeys)
    group by s.journey_id, a.name
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
