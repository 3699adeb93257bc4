-- grain: one row per (from_touchpoint, to_touchpoint) the counted journeys moved: the
-- additive counts transitions and deviations read. Kept over all journeys: an incremental
-- night subtracts the counts of the journeys it rebuilds and adds their new ones
-- (scope.SUMMARIES) instead of rereading every move. journeys: journeys that made the move (once each);
-- after_goal_journeys: of those, journeys that made it after their goal; undesigned_moves:
-- moves the map does not design (transitions.designed is true when there are none);
-- before_goal_occurrences and before_goal_journeys: the moves before the journey's first
-- goal, and the journeys making them (what deviations counts).
-- $scoped: only the journeys in jm_scope_journeys.
-- Inputs: jm_internal.int_moves, jm_scope_journeys.
with
moves as (
    select journey_id, from_touchpoint, to_touchpoint, designed, after_goal
    from jm_internal.int_moves
    where (not $scoped or journey_id in (select journey_id from jm_scope_journeys))
),

-- per journey and move first: one grouping instead of a distinct count per column
per_journey as (
    select
        journey_id,
        from_touchpoint,
        to_touchpoint,
        count(*) as moves,
        count(*) filter (where after_goal) as after_goal_moves,
        count(*) filter (where not designed) as undesigned_moves,
        count(*) filter (where not after_goal) as before_goal_moves
    from moves
    group by journey_id, from_touchpoint, to_touchpoint
),

final as (
    select
        from_touchpoint,
        to_touchpoint,
        cast(sum(moves) as bigint) as occurrences,
        count(*) as journeys,
        count(*) filter (where after_goal_moves > 0) as after_goal_journeys,
        cast(sum(undesigned_moves) as bigint) as undesigned_moves,
        cast(sum(before_goal_moves) as bigint) as before_goal_occurrences,
        count(*) filter (where before_goal_moves > 0) as before_goal_journeys
    from per_journey
    group by from_touchpoint, to_touchpoint
)

select * from final
