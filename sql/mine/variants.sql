-- grain: one row per variant, with token-based replay against the designed map of its
-- replay_sequence: the variant up to its first goal (replay_steps steps).
-- Inputs: jm_internal.int_variants, jm_variant_replay (from pm4py, one row per variant).
select
    v.variant_id,
    v.sequence,
    v.steps,
    v.replay_sequence,
    v.replay_steps,
    v.journeys,
    v.journey_share,
    v.goal_rate,
    v.conforms,
    r.fitness,
    r.missing_tokens,
    r.consumed_tokens,
    r.remaining_tokens,
    r.produced_tokens,
    row_number() over (order by v.journeys desc, v.variant_id) as variant_rank
from jm_internal.int_variants as v
left join jm_variant_replay as r on r.variant_id = v.variant_id
