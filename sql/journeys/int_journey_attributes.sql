-- grain: one row per (journey_id, name, value): each value an event attribute takes on the
-- journey's events (null: some event lacks it), for the attributes that the segments and the
-- map's persona rules read ($attribute_names). The events' JSON is read here once per
-- journey, each document parsed once for all the names; segments and personas look values
-- up instead of extracting them again.
-- $scoped: only the journeys in jm_scope_journeys (an incremental night rebuilds those).
-- Inputs: journey_steps, events, $attribute_names, jm_scope_journeys.
with
names as (
    select unnest($attribute_names) as name
),

extracted as (
    select s.journey_id, jm_json_get_all(e.attributes, $attribute_names) as attribute_values
    from journey_steps as s
    inner join events as e on e.source = s.source and e.event_id = s.event_id
    where not $scoped or s.journey_id in (select journey_id from jm_scope_journeys)
),

-- a null value (an event without the attribute) is kept: filtering it out lets DuckDB push
-- the JSON extraction below the join, onto every event, when a night rebuilds a few
-- journeys; min() and = both ignore it
final as (
    select distinct
        x.journey_id,
        n.name,
        jm_list_pick(x.attribute_values, $attribute_names, n.name) as value
    from extracted as x
    cross join names as n
)

select * from final
