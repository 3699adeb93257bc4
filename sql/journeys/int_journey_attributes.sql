-- grain: one row per (journey_id, name, value): each value an event attribute takes on the
-- journey's events (null: some event lacks it), for the attributes that the segments
-- ($segment_attributes) and the map's persona rules read. The events' JSON is read here once
-- per journey; segments and personas look values up instead of extracting them again.
-- $scoped: only the journeys in jm_scope_journeys (an incremental night rebuilds those).
-- Inputs: journey_steps, events, map_personas, $segment_attributes, jm_scope_journeys.
with
names as (
    select unnest($segment_attributes) as name
    union
    select attribute from map_personas where attribute is not null
),

extracted as (
    select s.journey_id, n.name, jm_json_get(e.attributes, n.name) as value
    from journey_steps as s
    inner join events as e on e.source = s.source and e.event_id = s.event_id
    cross join names as n
    where not $scoped or s.journey_id in (select journey_id from jm_scope_journeys)
),

-- a null value (an event without the attribute) is kept: filtering it out here lets DuckDB
-- push the JSON extraction below the join, onto every event, when a night rebuilds a few
-- journeys; min() and = both ignore it
final as (
    select distinct journey_id, name, value
    from extracted
)

select * from final
