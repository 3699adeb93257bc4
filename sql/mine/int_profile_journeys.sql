-- grain: one row per segment profile: its journeys and how many of them reached a goal
-- (goal_journeys). Kept over all journeys like int_node_counts (scope.SUMMARIES); the
-- undesigned_transition rule reads it for entries (__start__).
-- $scoped: only the journeys in jm_scope_journeys.
-- Inputs: jm_internal.int_journeys, jm_internal.int_journey_profiles, jm_scope_journeys.
with
final as (
    select
        p.profile,
        count(*) as journeys,
        count(*) filter (where j.reached_goal) as goal_journeys
    from jm_internal.int_journeys as j
    inner join jm_internal.int_journey_profiles as p on p.journey_id = j.journey_id
    where (not $scoped or j.journey_id in (select journey_id from jm_scope_journeys))
    group by p.profile
)

select * from final
