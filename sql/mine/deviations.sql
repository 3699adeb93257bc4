-- grain: one row per deviation from the designed map: an undesigned transition taken
-- ('undesigned'), or a designed transition never ('designed_never') or rarely
-- ('designed_rare', under $rare_share of the journeys visiting its source) taken. Moves
-- after a journey's first goal are not deviations and are not counted.
-- source_share: journeys taking the transition / journeys visiting its source.
-- Inputs: jm_internal.int_moves, map_transitions, touchpoint_stats.
with
moves as (
    select * from jm_internal.int_moves where not after_goal and to_touchpoint <> '__end__'
),

visiting as (
    select node as touchpoint, journeys
    from touchpoint_stats
    where segment = 'all' and level = 'touchpoint'
),

all_journeys as (
    select count(distinct journey_id) as journeys from jm_internal.int_moves
),

taken as (
    select
        from_touchpoint,
        to_touchpoint,
        bool_and(designed) as designed,
        count(*) as occurrences,
        count(distinct journey_id) as journeys,
        min(journey_id) as example_journey_id
    from moves
    group by from_touchpoint, to_touchpoint
),

undesigned as (
    select
        'undesigned' as kind, t.from_touchpoint, t.to_touchpoint, t.occurrences, t.journeys,
        t.journeys / coalesce(v.journeys, a.journeys) as source_share,
        t.example_journey_id
    from taken as t
    cross join all_journeys as a
    left join visiting as v on v.touchpoint = t.from_touchpoint
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
        t.example_journey_id
    from map_transitions as d
    left join taken as t
        on t.from_touchpoint = d.from_touchpoint and t.to_touchpoint = d.to_touchpoint
    left join visiting as v on v.touchpoint = d.from_touchpoint
    where t.from_touchpoint is null or t.journeys < $rare_share * v.journeys
),

final as (
    select * from undesigned
    union all
    select * from designed
)

select * from final
order by kind, journeys desc, from_touchpoint, to_touchpoint
