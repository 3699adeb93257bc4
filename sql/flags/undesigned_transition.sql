-- Flag rule undesigned_transition: a move the map does not design (including entering at a
-- touchpoint that is not an entry), taken by more of the journeys that visited its source
-- than the target with 95% confidence (at least $min_journeys journeys there).
-- Lost goal completions: journeys taking it times (goal rate of the source's other
-- journeys - theirs).
-- Inputs: journey_steps, int_journeys, transitions, map_targets.
with
moves as (
    select distinct journey_id, touchpoint as from_touchpoint, next_touchpoint as to_touchpoint
    from journey_steps
    where next_touchpoint is not null
    union
    select journey_id, '__start__', touchpoint
    from journey_steps
    where step = 1
),

-- every journey that was at the source: visited the touchpoint (or started, for __start__)
at_source as (
    select distinct journey_id, touchpoint as from_touchpoint from journey_steps
    union all
    select distinct journey_id, '__start__' from journey_steps
),

undesigned as (
    select from_touchpoint, to_touchpoint
    from transitions
    where not designed and to_touchpoint <> '__end__'
),

outcomes as (
    select
        u.from_touchpoint,
        u.to_touchpoint,
        count(*) as journeys,
        count(m.journey_id) as took,
        avg(case when j.reached_goal then 1.0 else 0.0 end) filter (where m.journey_id is not null)
            as goal_rate_took,
        avg(case when j.reached_goal then 1.0 else 0.0 end) filter (where m.journey_id is null)
            as goal_rate_others
    from undesigned as u
    inner join at_source as a on a.from_touchpoint = u.from_touchpoint
    inner join int_journeys as j on j.journey_id = a.journey_id
    left join moves as m
        on m.journey_id = a.journey_id
        and m.from_touchpoint = u.from_touchpoint and m.to_touchpoint = u.to_touchpoint
    group by u.from_touchpoint, u.to_touchpoint
),

rated as (
    select
        o.*,
        o.took / o.journeys as share,
        jm_wilson_low(o.took, o.journeys) as share_low,
        jm_wilson_high(o.took, o.journeys) as share_high,
        coalesce(tf.max_undesigned_share, tt.max_undesigned_share) as threshold
    from outcomes as o
    left join map_targets as tf on tf.touchpoint = o.from_touchpoint
    left join map_targets as tt on tt.touchpoint = o.to_touchpoint
),

final as (
    select
        'undesigned_transition' as kind,
        from_touchpoint || ' -> ' || to_touchpoint as subject,
        to_touchpoint as touchpoint,
        from_touchpoint,
        to_touchpoint,
        'source_share' as metric,
        share as value,
        share_low as ci_low,
        share_high as ci_high,
        coalesce(threshold, 0.02) as threshold,
        goal_rate_others as baseline,
        took as journeys_affected,
        took * greatest(coalesce(goal_rate_others, 0) - coalesce(goal_rate_took, 0), 0)
            as lost_goal_completions,
        cast(took as varchar) || ' of ' || cast(journeys as varchar) || ' journeys at '
            || from_touchpoint || ' went to ' || to_touchpoint || ', which the map does not design ('
            || jm_pct_ci(share, share_low, share_high) || '); goal rate '
            || jm_pct(coalesce(goal_rate_took, 0)) || ' vs '
            || jm_pct(coalesce(goal_rate_others, 0)) || ' for the others'
            as evidence
    from rated
    where share_low > coalesce(threshold, 0.02) and journeys >= $min_journeys
)

select * from final
