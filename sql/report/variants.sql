-- grain: one row per variant (distinct touchpoint sequence) taken by journeys of the report's
-- scope, the $limit most common: journeys, their share, goal rate, and whether it conforms.
-- Inputs: jm_report_scope (report/scope), variants.
with
counted as (
    select
        variant_id,
        count(*) as journeys,
        avg(case when reached_goal then 1.0 else 0.0 end) as goal_rate
    from jm_report_scope
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
