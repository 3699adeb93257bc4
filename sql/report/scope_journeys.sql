-- grain: one row for the report's scope: its journeys, goal journeys and conforming journeys.
-- The scope is the journeys that *entered* between $start (inclusive) and $end (exclusive),
-- followed to their end, in segment $segment = $segment_value ('all' = 'all' for everyone).
-- Inputs: jm_report_scope (report/scope).
with
final as (
    select
        count(*) as journeys,
        count(*) filter (where reached_goal) as goal_journeys,
        count(*) filter (where conforms) as conforming_journeys,
        min(started_at) as first_started_at,
        max(started_at) as last_started_at
    from jm_report_scope
)

select * from final
