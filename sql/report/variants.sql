-- grain: one row per variant (distinct touchpoint sequence) taken by journeys of the report's
-- scope, the $limit most common: journeys, their share, goal rate, and whether it conforms.
-- Inputs: journeys, jm_internal.int_journey_segments, variants.
with

scope as (
    select j.journey_id, j.variant_id, j.reached_goal
    from journeys as j
    inner join jm_internal.int_journey_segments as s on s.journey_id = j.journey_id
    where s.segment = $segment and s.segment_value = $segment_value
        and j.started_at >= $start and j.started_at < $end
),

counted as (
    select
        variant_id,
        count(*) as journeys,
        avg(case when reached_goal then 1.0 else 0.0 end) as goal_rate
    from scope
    group by variant_id
),

final as (
    select
        v.variant_rank,
        v.sequence,
        v.steps,
        c.journeys,
        c.journeys / sum(c.journeys) over () as journey_share,
        c.goal_rate,
        v.conforms
    from counted as c
    inner join variants as v on v.variant_id = c.variant_id
)

select * from final
order by journeys desc, variant_rank
limit $limit
