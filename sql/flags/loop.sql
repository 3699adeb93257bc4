-- Flag rule loop: back-and-forth between two touchpoints (A -> B -> A) where the map does not
-- design both directions, in more journeys than the target with 95% confidence.
-- Rate: journeys with the back-and-forth / journeys visiting both touchpoints (at least
-- $min_journeys of them).
-- Lost goal completions: looping journeys times (goal rate of the other visitors - theirs).
-- Inputs: journey_steps, int_journeys, int_node_visits, map_transitions, map_targets.
with
ahead as (
    select
        journey_id,
        touchpoint,
        lead(touchpoint) over by_journey as second,
        lead(touchpoint, 2) over by_journey as third
    from journey_steps
    window by_journey as (partition by journey_id order by step)
),

bounces as (
    select distinct
        journey_id,
        least(touchpoint, second) as touchpoint_a,
        greatest(touchpoint, second) as touchpoint_b
    from ahead
    where third = touchpoint and second <> touchpoint
),

undesigned_pairs as (
    select distinct b.touchpoint_a, b.touchpoint_b
    from bounces as b
    left join map_transitions as ab
        on ab.from_touchpoint = b.touchpoint_a and ab.to_touchpoint = b.touchpoint_b
    left join map_transitions as ba
        on ba.from_touchpoint = b.touchpoint_b and ba.to_touchpoint = b.touchpoint_a
    where ab.from_touchpoint is null or ba.from_touchpoint is null
),

visitors as (
    select p.touchpoint_a, p.touchpoint_b, va.journey_id, j.reached_goal,
        bo.journey_id is not null as looped
    from undesigned_pairs as p
    inner join int_node_visits as va
        on va.level = 'touchpoint' and va.node = p.touchpoint_a
    inner join int_node_visits as vb
        on vb.level = 'touchpoint' and vb.node = p.touchpoint_b and vb.journey_id = va.journey_id
    inner join int_journeys as j on j.journey_id = va.journey_id
    left join bounces as bo
        on bo.journey_id = va.journey_id
        and bo.touchpoint_a = p.touchpoint_a and bo.touchpoint_b = p.touchpoint_b
),

counted as (
    select
        touchpoint_a,
        touchpoint_b,
        count(*) as journeys,
        count(*) filter (where looped) as looped,
        avg(case when reached_goal then 1.0 else 0.0 end) filter (where looped) as goal_rate_looped,
        avg(case when reached_goal then 1.0 else 0.0 end) filter (where not looped)
            as goal_rate_others
    from visitors
    group by touchpoint_a, touchpoint_b
),

rated as (
    select
        c.*,
        c.looped / c.journeys as rate,
        jm_wilson_low(c.looped, c.journeys) as rate_low,
        jm_wilson_high(c.looped, c.journeys) as rate_high,
        least(ta.max_loop_rate, tb.max_loop_rate) as threshold
    from counted as c
    inner join map_targets as ta on ta.touchpoint = c.touchpoint_a
    inner join map_targets as tb on tb.touchpoint = c.touchpoint_b
),

final as (
    select
        'loop' as kind,
        touchpoint_a || ' <-> ' || touchpoint_b as subject,
        touchpoint_a as touchpoint,
        touchpoint_a as from_touchpoint,
        touchpoint_b as to_touchpoint,
        'loop_rate' as metric,
        rate as value,
        rate_low as ci_low,
        rate_high as ci_high,
        threshold,
        goal_rate_others as baseline,
        looped as journeys_affected,
        looped * greatest(coalesce(goal_rate_others, 0) - coalesce(goal_rate_looped, 0), 0)
            as lost_goal_completions,
        cast(looped as varchar) || ' of ' || cast(journeys as varchar) || ' journeys visiting '
            || touchpoint_a || ' and ' || touchpoint_b || ' went back and forth between them ('
            || jm_pct_ci(rate, rate_low, rate_high) || '; target at most '
            || jm_pct(threshold) || '); goal rate '
            || jm_pct(coalesce(goal_rate_looped, 0)) || ' vs '
            || jm_pct(coalesce(goal_rate_others, 0)) || ' for the others'
            as evidence
    from rated
    where rate_low > threshold and journeys >= $min_journeys
)

select * from final
