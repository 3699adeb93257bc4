-- grain: one row per (from_touchpoint, to_touchpoint) the counted journeys moved: the
-- additive counts transitions reads. Kept over all journeys: an incremental night subtracts
-- the counts of the journeys it rebuilds and adds their new ones (scope.SUMMARIES) instead of
-- rereading every move. journeys: journeys that made the move (once each);
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

final as (
    select
        from_touchpoint,
        to_touchpoint,
        count(*) as occurrences,
        count(distinct journey_id) as journeys,
        count(distinct case when after_goal then journey_id end) as after_goal_journeys,
        count(*) filter (where not designed) as undesigned_moves,
        count(*) filter (where not after_goal) as before_goal_occurrences,
        count(distinct case when not after_goal then journey_id end) as before_goal_journeys
    from moves
    group by from_touchpoint, to_touchpoint
)

select * from final
