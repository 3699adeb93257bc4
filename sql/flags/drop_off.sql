-- Flag rule drop_off: a touchpoint whose drop-off rate is above its target with 95%
-- confidence (the Wilson interval's lower bound clears the target), over at least
-- $min_journeys journeys.
-- Lost goal completions: the journeys lost beyond the target, times the goal rate of those
-- who went on.
-- Inputs: touchpoint_stats, map_targets.
with
stats as (
    select *
    from touchpoint_stats
    where segment = 'all' and level = 'touchpoint' and drop_off_rate is not null
),

final as (
    select
        'drop_off' as kind,
        s.node as subject,
        s.node as touchpoint,
        cast(null as varchar) as from_touchpoint,
        cast(null as varchar) as to_touchpoint,
        'drop_off_rate' as metric,
        s.drop_off_rate as value,
        s.drop_off_rate_low as ci_low,
        s.drop_off_rate_high as ci_high,
        t.max_drop_off_rate as threshold,
        s.continued_goal_rate as baseline,
        s.drop_offs as journeys_affected,
        s.journeys * (s.drop_off_rate - t.max_drop_off_rate) * coalesce(s.continued_goal_rate, 0)
            as lost_goal_completions,
        cast(s.drop_offs as varchar) || ' of ' || cast(s.journeys as varchar)
            || ' journeys reaching ' || s.node || ' never went on as designed ('
            || jm_pct_ci(s.drop_off_rate, s.drop_off_rate_low, s.drop_off_rate_high)
            || '; target at most ' || jm_pct(t.max_drop_off_rate) || ')' as evidence
    from stats as s
    inner join map_targets as t on t.touchpoint = s.node
    where s.drop_off_rate_low > t.max_drop_off_rate and s.journeys >= $min_journeys
)

select * from final
