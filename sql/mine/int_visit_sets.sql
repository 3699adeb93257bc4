-- grain: one row per (visited_set, profile, touchpoint): visited_set is the list of the
-- touchpoints a journey visited before its first goal, sorted (a few thousand lists cover
-- every journey); the counted journeys with that list, and those of them reaching a goal
-- after their first visit of the touchpoint (goal_journeys), per segment profile. The loop
-- rule judges exposure from it: a journey visiting every touchpoint of a cycle could have
-- gone round it. Kept over all journeys like int_cycle_repeats (scope.SUMMARIES).
-- $scoped: only the journeys in jm_scope_journeys.
-- Inputs: jm_internal.int_node_visits, jm_internal.int_journey_profiles, jm_scope_journeys.
with
visits as (
    select journey_id, node as touchpoint, goal_after
    from jm_internal.int_node_visits
    where level = 'touchpoint'
        and (not $scoped or journey_id in (select journey_id from jm_scope_journeys))
),

sets as (
    select journey_id, array_to_string(jm_distinct_sorted(list(touchpoint)), ' > ') as visited_set
    from visits
    group by journey_id
),

final as (
    select
        s.visited_set,
        p.profile,
        v.touchpoint,
        count(*) as journeys,
        count(*) filter (where v.goal_after = 1) as goal_journeys
    from sets as s
    inner join visits as v on v.journey_id = s.journey_id
    inner join jm_internal.int_journey_profiles as p on p.journey_id = s.journey_id
    group by s.visited_set, p.profile, v.touchpoint
)

select * from final
