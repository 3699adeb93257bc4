-- grain: one row per (profile, started_on, level, node) visited by the counted journeys
-- The counts `journeymine compare` sums, per segment profile and the day (UTC) the journeys
-- started: those that visited the touchpoint (or stage) before their first goal, of them
-- those that dropped off there and those that reached a goal after it (int_node_visits'
-- dropped_off and goal_after). A comparison's group is the journeys that started within its
-- dates and belong to its segment, so it sums these rows over the days and over the
-- segment's profiles (int_profile_segments) instead of reading every journey's visits.
-- Kept over all journeys like int_node_counts (scope.SUMMARIES): an incremental night
-- subtracts the counts of the journeys it rebuilds and adds their new ones.
-- $scoped: only the journeys in jm_scope_journeys.
-- Inputs: jm_internal.int_node_visits, jm_internal.int_journey_profiles, jm_scope_journeys.
with
visits as (
    select v.started_on, v.level, v.node, v.dropped_off, v.goal_after, p.profile
    from jm_internal.int_node_visits as v
    inner join jm_internal.int_journey_profiles as p on p.journey_id = v.journey_id
    where (not $scoped or v.journey_id in (select journey_id from jm_scope_journeys))
),

final as (
    select
        profile,
        started_on,
        level,
        node,
        count(*) as journeys,
        count(*) filter (where dropped_off) as drop_offs,
        count(*) filter (where goal_after = 1) as goal_journeys
    from visits
    group by profile, started_on, level, node
)

select * from final
