-- grain: one row per (profile, day, level, node) visited by the counted journeys
-- The counts behind touchpoint_history, per segment profile and day: a journey counts on the
-- day it first reached the touchpoint (or stage) in question, before its first goal (see
-- period_stats). Kept over all journeys like int_node_counts (scope.SUMMARIES), so an
-- incremental night sums these rows (one per profile, day and node visited) for the weeks it
-- touched instead of rereading every visit of those weeks.
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
        cast(date_trunc('day', first_at) as date) as day,
        level,
        node,
        count(*) as journeys,
        count(*) filter (where dropped_off) as drop_offs,
        count(*) filter (where is_last and not reached_goal) as exits,
        count(*) filter (where goal_after = 1) as goal_journeys,
        count(*) filter (where went_on = 1) as continued,
        count(*) filter (where went_on = 1 and goal_after = 1) as continued_goal_journeys
    from visits
    group by profile, cast(date_trunc('day', first_at) as date), level, node
)

select * from final
