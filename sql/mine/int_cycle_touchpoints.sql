-- grain: one row per (cycle, touchpoint) of a rework cycle with a move the map does not
-- design: the touchpoints it passes, with how many rounds of the counted journeys passed
-- each (every round of a cycle passes the same ones). The loop rule reads it. Kept over all
-- journeys like int_cycle_repeats (scope.SUMMARIES).
-- $scoped: only the journeys in jm_scope_journeys.
-- Inputs: jm_internal.int_journey_cycles, journey_steps, jm_scope_journeys.
with
rounds as (
    select journey_id, cycle, start_step, back_step
    from jm_internal.int_journey_cycles
    where not designed
        and (not $scoped or journey_id in (select journey_id from jm_scope_journeys))
),

final as (
    select r.cycle, s.touchpoint, count(*) as rounds
    from rounds as r
    inner join journey_steps as s
        on s.journey_id = r.journey_id and s.step >= r.start_step and s.step < r.back_step
    group by r.cycle, s.touchpoint
)

select * from final
