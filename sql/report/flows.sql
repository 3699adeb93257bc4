-- grain: one row per move between two touchpoints that is designed or was taken by a journey
-- of the report's scope (after its goal too: the map goes on to onboarding and advocacy):
-- journeys taking it, and whether it is designed. Designed moves nobody took have 0 journeys.
-- Inputs: jm_report_counts (report/scope_counts), map_transitions.
with
moves as (
    select subject as from_touchpoint, object as to_touchpoint, sum(journeys) as journeys
    from jm_report_counts
    where kind = 'move'
    group by subject, object
),

designed as (
    select distinct from_touchpoint, to_touchpoint from map_transitions
),

final as (
    select
        coalesce(m.from_touchpoint, d.from_touchpoint) as from_touchpoint,
        coalesce(m.to_touchpoint, d.to_touchpoint) as to_touchpoint,
        cast(coalesce(m.journeys, 0) as bigint) as journeys,
        d.from_touchpoint is not null as designed
    from moves as m
    full outer join designed as d
        on d.from_touchpoint = m.from_touchpoint and d.to_touchpoint = m.to_touchpoint
)

select * from final
order by journeys desc, from_touchpoint, to_touchpoint
