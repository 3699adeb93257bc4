-- grain: one row per deviation from the designed map: an undesigned transition taken
-- ('undesigned'), or a designed transition never ('designed_never') or rarely
-- ('designed_rare', under $rare_share of the journeys visiting its source) taken.
-- source_share: journeys taking the transition / journeys visiting its source.
-- Inputs: journey_steps, transitions, map_transitions, touchpoint_stats.
with
visiting as (
    select node as touchpoint, journeys
    from touchpoint_stats
    where segment = 'all' and level = 'touchpoint'
),

examples as (
    select touchpoint as from_touchpoint, next_touchpoint as to_touchpoint,
        min(journey_id) as example_journey_id
    from journey_steps
    where next_touchpoint is not null
    group by touchpoint, next_touchpoint
    union all
    select '__start__', touchpoint, min(journey_id)
    from journey_steps
    where step = 1
    group by touchpoint
),

undesigned as (
    select
        'undesigned' as kind, t.from_touchpoint, t.to_touchpoint, t.occurrences, t.journeys,
        t.journeys / coalesce(v.journeys, (select count(distinct journey_id) from journey_steps))
            as source_share,
        x.example_journey_id
    from transitions as t
    left join visiting as v on v.touchpoint = t.from_touchpoint
    left join examples as x
        on x.from_touchpoint = t.from_touchpoint and x.to_touchpoint = t.to_touchpoint
    where not t.designed
),

designed as (
    select
        case
            when t.from_touchpoint is null then 'designed_never'
            else 'designed_rare'
        end as kind,
        d.from_touchpoint,
        d.to_touchpoint,
        coalesce(t.occurrences, 0) as occurrences,
        coalesce(t.journeys, 0) as journeys,
        coalesce(t.journeys, 0) / v.journeys as source_share,
        x.example_journey_id
    from map_transitions as d
    left join transitions as t
        on t.from_touchpoint = d.from_touchpoint and t.to_touchpoint = d.to_touchpoint
    left join visiting as v on v.touchpoint = d.from_touchpoint
    left join examples as x
        on x.from_touchpoint = d.from_touchpoint and x.to_touchpoint = d.to_touchpoint
    where t.from_touchpoint is null or t.journeys < $rare_share * v.journeys
),

final as (
    select * from undesigned
    union all
    select * from designed
)

select * from final
order by kind, journeys desc, from_touchpoint, to_touchpoint
