-- grain: one row: the headline conformance numbers of this run against the designed map.
-- transition_fitness: share of observed moves (entries included, endings and moves after a
-- journey's goal not) that are designed, weighted by frequency; design_coverage: share of designed transitions observed;
-- conforming_journey_rate: share of journeys using only designed transitions;
-- token_replay_fitness: 1/2 (1 - missing/consumed) + 1/2 (1 - remaining/produced), summed
-- over variants weighted by their journeys.
-- goals_before_predecessor: goal steps followed right away by one of the goal's designed
-- predecessors (order confirmed, then payment): a sign that the export's timestamps are
-- coarse or out of order, since such journeys look lost before their goal.
-- The observed moves are counted from the counts kept over all journeys: a move is designed
-- or not by its two touchpoints alone, so a pair's moves are all designed when none is not.
-- Inputs: journey_steps, jm_internal.int_transition_counts, transitions, map_transitions,
-- jm_internal.int_journeys, variants.
with
moves as (
    select
        cast(sum(before_goal_occurrences) as bigint) as observed,
        cast(coalesce(sum(before_goal_occurrences) filter (where undesigned_moves = 0), 0)
            as bigint) as designed_observed
    from jm_internal.int_transition_counts
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
    from jm_internal.int_journeys
),

replay as (
    select
        sum(journeys * missing_tokens) as missing,
        sum(journeys * consumed_tokens) as consumed,
        sum(journeys * remaining_tokens) as remaining,
        sum(journeys * produced_tokens) as produced
    from variants
),

order_check as (
    select
        count(*) as goal_steps,
        count(d.from_touchpoint) as goals_before_predecessor
    from journey_steps as s
    left join map_transitions as d
        on d.to_touchpoint = s.touchpoint and d.from_touchpoint = s.next_touchpoint
    where s.is_goal
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
        c.designed_transitions_observed,
        o.goal_steps,
        o.goals_before_predecessor
    from moves as m, coverage as c, journeys_ as j, replay as r, order_check as o
)

select * from final
