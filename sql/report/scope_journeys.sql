-- grain: one row for the report's scope: its journeys, goal journeys and conforming journeys.
-- The scope is the journeys that *entered* between $start (inclusive) and $end (exclusive),
-- followed to their end, in segment $segment = $segment_value ('all' = 'all' for everyone).
-- Inputs: journeys, jm_internal.int_journey_segments.
with

scope as (
    select j.journey_id, j.reached_goal, j.conforms, j.started_at
    from journeys as j
    inner join jm_internal.int_journey_segments as s on s.journey_id = j.journey_id
    where s.segment = $segment and s.segment_value = $segment_value
        and j.started_at >= $start and j.started_at < $end
),

final as (
    select
        count(*) as journeys,
        count(*) filter (where reached_goal) as goal_journeys,
        count(*) filter (where conforms) as conforming_journeys,
        min(started_at) as first_started_at,
        max(started_at) as last_started_at
    from scope
)

select * from final
