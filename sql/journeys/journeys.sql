-- grain: one row per journey
-- The journey with its variant's token-replay fitness against the designed map.
-- $scoped: only the journeys in jm_scope_journeys (an incremental night rebuilds those).
-- Inputs: jm_internal.int_journeys, variants, jm_scope_journeys.
select
    j.journey_id,
    j.customer_id,
    j.started_at,
    j.ended_at,
    j.events,
    j.channels,
    j.channel_list,
    j.entry_touchpoint,
    j.entry_channel,
    j.last_touchpoint,
    j.reached_goal,
    j.persona,
    j.variant_id,
    j.conforms,
    v.fitness,
    j.undesigned_moves,
    j.journey_no
from jm_internal.int_journeys as j
left join variants as v on v.variant_id = j.variant_id
where not $scoped or j.journey_id in (select journey_id from jm_scope_journeys)
