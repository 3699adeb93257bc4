-- grain: one row: the headline conformance numbers of this run against the designed map.
-- transition_fitness: share of observed transitions (entries included, endings not) that are
-- designed, weighted by frequency; design_coverage: share of designed transitions observed;
-- conforming_journey_rate: share of journeys using only designed transitions;
-- token_replay_fitness: 1/2 (1 - missing/consumed) + 1/2 (1 - remaining/produced), summed
-- over variants weighted by their journeys.
-- Inputs: transitions, map_transitions, int_journeys, variants.
with
moves as (
    select
        sum(occurrences) as observed,
        sum(case when designed then occurrences else 0 end) as designed_observed
    from transitions
    where to_touchpoint <> '__end__'
),

coverage as (
    select
        count(*) as designed_transitions,
        count(t.from_touchpoint) as designed_transitions_observed
    from map_transitions as d
    left join transitions as t
        on t.from_touchpoint = d.from_touchpoint and t.to_touchpoint = d.to_touchpoint
),

journeys_ as (
    select
        count(*) as journeys,
        count(*) filter (where conforms) as conforming_journeys
    from int_journeys
),

replay as (
    select
        sum(journeys * missing_tokens) as missing,
        sum(journeys * consumed_tokens) as consumed,
        sum(journeys * remaining_tokens) as remaining,
        sum(journeys * produced_tokens) as produced
    from variants
),

final as (
    select
        j.journeys,
        (select count(*) from variants) as variants,
        case when m.observed > 0 then m.designed_observed / m.observed end as transition_fitness,
        case when c.designed_transitions > 0
            then c.designed_transitions_observed / c.designed_transitions end as design_coverage,
        case when j.journeys > 0 then j.conforming_journeys / j.journeys end
            as conforming_journey_rate,
        jm_wilson_low(j.conforming_journeys, j.journeys) as conforming_journey_rate_low,
        jm_wilson_high(j.conforming_journeys, j.journeys) as conforming_journey_rate_high,
        case when r.consumed > 0 and r.produced > 0
            then 0.5 * (1 - r.missing / r.consumed) + 0.5 * (1 - r.remaining / r.produced)
        end as token_replay_fitness,
        c.designed_transitions,
        c.designed_transitions_observed
    from moves as m, coverage as c, journeys_ as j, replay as r
)

select * from final
