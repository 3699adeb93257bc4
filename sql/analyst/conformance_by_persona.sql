-- How well does each persona's journeys follow the designed map, and how do they convert?
-- grain: one row per persona with at least $min_journeys journeys.
-- conforming_journey_rate: journeys making only designed moves (up to their first goal) /
-- journeys, with its Wilson 95% interval; mean_fitness: mean token-replay fitness of the
-- journeys on the map; undesigned_moves_per_journey: moves the map does not design, per
-- journey; goal_rate: journeys that reached a goal / journeys.
-- Parameters: $min_journeys (e.g. 30).
-- Inputs: journeys.
with
journeys_ as (
    select persona, conforms, fitness, undesigned_moves, reached_goal from journeys
),

counted as (
    select
        persona,
        count(*) as journeys,
        count(*) filter (where conforms) as conforming_journeys,
        avg(fitness) as mean_fitness,
        avg(undesigned_moves) as undesigned_moves_per_journey,
        count(*) filter (where reached_goal) as goal_journeys
    from journeys_
    group by persona
),

final as (
    select
        persona,
        journeys,
        conforming_journeys,
        conforming_journeys / journeys as conforming_journey_rate,
        jm_wilson_low(conforming_journeys, journeys) as conforming_journey_rate_low,
        jm_wilson_high(conforming_journeys, journeys) as conforming_journey_rate_high,
        mean_fitness,
        undesigned_moves_per_journey,
        goal_journeys,
        goal_journeys / journeys as goal_rate
    from counted
    where journeys >= $min_journeys
)

select * from final
order by conforming_journey_rate, persona
