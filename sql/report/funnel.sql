-- grain: one row per stage of the designed map: journeys that reached it in the report's
-- scope, and the conversion from the stage before.
-- Without a date range, the last run's stage_funnel for the segment (a journey counts for
-- every stage up to the furthest it reached). With one, touchpoint_history's daily stage
-- counts summed over the range (a journey counts for the stages it visited).
-- Inputs: map_stages, stage_funnel, touchpoint_history.
with

stages as (
    select stage, label, stage_order, emotion from map_stages
),

whole_period as (
    select stage, journeys_reached
    from stage_funnel
    where not $ranged and segment = $segment and segment_value = $segment_value
),

in_range as (
    select node as stage, sum(journeys) as journeys_reached
    from touchpoint_history
    where $ranged and grain = 'day' and level = 'stage'
        and segment = $segment and segment_value = $segment_value
        and period_start >= cast($start as date) and period_start < cast($end as date)
    group by node
),

reached as (
    select * from whole_period
    union all
    select * from in_range
),

joined as (
    select
        s.stage,
        s.label,
        s.stage_order,
        s.emotion,
        cast(coalesce(r.journeys_reached, 0) as bigint) as journeys_reached
    from stages as s
    left join reached as r on r.stage = s.stage
),

final as (
    select
        *,
        lag(journeys_reached) over (order by stage_order) as previous_reached,
        first_value(journeys_reached) over (order by stage_order) as entered
    from joined
)

select
    stage,
    label,
    stage_order,
    emotion,
    journeys_reached,
    case when entered > 0 then journeys_reached / entered end as overall_conversion_rate,
    case when previous_reached > 0 then journeys_reached / previous_reached end
        as relative_conversion_rate
from final
order by stage_order
