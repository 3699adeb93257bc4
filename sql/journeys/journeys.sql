-- grain: one row per journey
-- The journey with its variant's token-replay fitness against the designed map. A view, not a
-- table: int_journeys holds the journeys and variants the fitness, so a night rewrites no
-- journey twice (scope.finish creates it).
-- Inputs: jm_internal.int_journeys, variants.
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
