-- grain: one row per (profile, level, node) visited by the counted journeys: the additive
-- counts touchpoint_stats rates and the dead_end and undesigned_transition rules test, per
-- segment profile (spread over the profile's segments there). Kept over all journeys: an incremental night subtracts the counts of the journeys
-- it rebuilds and adds their new ones (scope.SUMMARIES) instead of rereading every visit.
-- Each count is of journeys, except visits; can_drop_off_journeys counts the journeys whose
-- visit the map lets drop off (the node can drop off when it is above zero);
-- stage_goal_journeys those reaching a goal of the node's stage after it.
-- $scoped: only the journeys in jm_scope_journeys.
-- Inputs: jm_internal.int_node_visits, jm_internal.int_journey_profiles, jm_scope_journeys.
with
visits as (
    select v.*, p.profile
    from jm_internal.int_node_visits as v
    inner join jm_internal.int_journey_profiles as p on p.journey_id = v.journey_id
    where (not $scoped or v.journey_id in (select journey_id from jm_scope_journeys))
),

final as (
    select
        profile,
        level,
        node,
        sum(visits) as visits,
        count(*) as journeys,
        count(*) filter (where is_last and not reached_goal) as exits,
        count(*) filter (where dropped_off) as not_went_on,
        count(*) filter (where can_drop_off) as can_drop_off_journeys,
        count(*) filter (where went_on = 1) as continued,
        count(*) filter (where went_on = 1 and goal_after = 1) as continued_goal_journeys,
        count(*) filter (where goal_after = 1) as goal_journeys,
        count(*) filter (where stage_goal_after = 1) as stage_goal_journeys
    from visits
    group by profile, level, node
)

select * from final
