-- grain: one row per touchpoint visited by a journey of the report's scope: how many journeys
-- visited it at all (after their goal too), for the map's cells; the rates are node_stats'.
-- Inputs: journey_steps, jm_report_scope (report/scope).
with
final as (
    select js.touchpoint, count(distinct js.journey_id) as journeys
    from journey_steps as js
    inner join jm_report_scope as s on s.journey_id = js.journey_id
    group by js.touchpoint
)

select * from final
order by touchpoint
