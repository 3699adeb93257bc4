-- grain: one row per journey of the report's scope: the journeys that *entered* between
-- $start (inclusive) and $end (exclusive), followed to their end, in segment $segment =
-- $segment_value ('all' = 'all' for everyone). The report materialises it once, as temp
-- table jm_report_scope, and every report model about the scope reads that.
-- Inputs: journeys, jm_internal.int_journey_segments.
with
final as (
    select j.journey_id, j.variant_id, j.reached_goal, j.conforms, j.started_at
    from journeys as j
    inner join jm_internal.int_journey_segments as s on s.journey_id = j.journey_id
    where s.segment = $segment and s.segment_value = $segment_value
        and j.started_at >= $start and j.started_at < $end
)

select * from final
