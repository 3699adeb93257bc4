-- grain: one row per deviation from the designed map: an undesigned transition taken
-- ('undesigned'), or a designed transition never ('designed_never') or rarely
-- ('designed_rare', under $rare_share of the journeys visiting its source) taken. Moves
-- after a journey's first goal are not deviations and are not counted.
-- source_share: journeys taking the transition / journeys visiting its source.
-- Counted from the counts kept over all journeys (int_transition_counts,
-- int_profile_journeys); example_journey_id (the smallest journey id taking it) is looked
-- up in the journeys' steps for the deviations' moves only (a step's move is to its next
-- touchpoint; the entry, from __start__, is step 1's; a move leaving a goal or a later step
-- is after the goal: the moves of int_moves, which a build does not keep).
-- Inputs: jm_internal.int_transition_counts, jm_internal.int_profile_journeys,
-- journey_steps, map_transitions, touchpoint_stats.
with
visiting as (
    select node as touchpoint, journeys
    from touchpoint_stats
    where segment = 'all' and level = 'touchpoint'
),

all_journeys as (
    select cast(sum(journeys) as bigint) as journeys from jm_internal.int_profile_journeys
),

counted as (
    select
        from_touchpoint,
        to_touchpoint,
        undesigned_moves = 0 as designed,
        before_goal_occurrences as occurrences,
        before_goal_journeys as journeys
    from jm_internal.int_transition_counts
    where before_goal_journeys > 0 and to_touchpoint <> '__end__'
),

-- the moves reported: undesigned ones, and designed ones taken rarely
reported as (
    select c.from_touchpoint, c.to_touchpoint
    from counted as c
    left join visiting as v on v.touchpoint = c.from_touchpoint
    where not c.designed or c.journeys < $rare_share * v.journeys
),

step_moves as (
    select journey_id, '__start__' as from_touchpoint, touchpoint as to_touchpoint
    from journey_steps
    where step = 1
    union all
    select journey_id, touchpoint, next_touchpoint
    from journey_steps
    where next_touchpoint is not null and not is_goal and not after_goal
),

examples as (
    select m.from_touchpoint, m.to_touchpoint, min(m.journey_id) as example_journey_id
    from step_moves as m
    inner join reported as r
        on r.from_touchpoint = m.from_touchpoint and r.to_touchpoint = m.to_touchpoint
    group by m.from_touchpoint, m.to_touchpoint
),

taken as (
    select c.*, e.example_journey_id
    from counted as c
    left join examples as e
        on e.from_touchpoint = c.from_touchpoint and e.to_touchpoint = c.to_touchpoint
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
