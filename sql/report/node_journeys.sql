-- grain: one row per touchpoint visited by a journey of the report's scope: how many journeys
-- visited it at all (after their goal too), for the map's cells; the rates are node_stats'.
-- Inputs: jm_report_counts (report/scope_counts).
with
final as (
    select subject as touchpoint, cast(sum(journeys) as bigint) as journeys
    from jm_report_counts
    where kind = 'touchpoint'
    group by subject
)

select * from final
order by touchpoint
