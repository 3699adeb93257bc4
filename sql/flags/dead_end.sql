-- Flag rule dead_end: a non-goal touchpoint from which journeys almost never reach a goal
-- (goal rate below its target with 95% confidence, over at least $min_journeys journeys),
-- or that the designed map leaves with no way forward to any goal.
-- Lost goal completions: journeys through it times (its stage's goal rate - its own goal rate).
-- Inputs: touchpoint_stats, map_touchpoints, map_targets.
with
stats as (
    select * from touchpoint_stats where segment = 'all' and level = 'touchpoint'
),

stage_rates as (
    select node as stage, goal_rate as stage_goal_rate
    from touchpoint_stats
    where segment = 'all' and level = 'stage'
),

candidates as (
    select
        m.touchpoint,
        s.journeys,
        s.goal_journeys,
        s.goal_rate,
        s.goal_rate_low,
        s.goal_rate_high,
        t.dead_end_goal_rate,
        r.stage_goal_rate,
        not m.goal_reachable as no_way_forward
    from map_touchpoints as m
    inner join map_targets as t on t.touchpoint = m.touchpoint
    left join stats as s on s.node = m.touchpoint
    left join stage_rates as r on r.stage = m.stage
    where not m.is_goal
        and (
            (s.goal_rate_high < t.dead_end_goal_rate and s.journeys >= $min_journeys)
            or not m.goal_reachable
        )
),

final as (
    select
        'dead_end' as kind,
        touchpoint as subject,
        touchpoint,
        cast(null as varchar) as from_touchpoint,
        cast(null as varchar) as to_touchpoint,
        'goal_rate' as metric,
        goal_rate as value,
        goal_rate_low as ci_low,
        goal_rate_high as ci_high,
        dead_end_goal_rate as threshold,
        stage_goal_rate as baseline,
        coalesce(journeys - goal_journeys, 0) as journeys_affected,
        coalesce(journeys * greatest(stage_goal_rate - goal_rate, 0), 0)
            as lost_goal_completions,
        case when no_way_forward
            then 'the designed map leads from ' || touchpoint || ' to no goal; '
            else '' end
        || coalesce(
            cast(goal_journeys as varchar) || ' of ' || cast(journeys as varchar)
            || ' journeys through ' || touchpoint || ' reached a goal afterwards ('
            || jm_pct_ci(goal_rate, goal_rate_low, goal_rate_high) || '; its stage: '
            || jm_pct(stage_goal_rate) || ')',
            'no journey visited it') as evidence
    from candidates
)

select * from final
