-- Flag rule drop_off, candidates: every touchpoint with a designed way on that is not a goal,
-- overall and in every segment.
-- k of n: journeys reaching it that reach neither a designed successor nor a goal afterwards,
-- of the journeys reaching it (visits after a journey's first goal do not count). Tested
-- against the map's max_drop_off_rate (one-sided exact binomial test).
-- Lost goal completions: the drop-offs beyond the target, times the goal rate of the
-- journeys that went on as designed.
-- Inputs: touchpoint_stats, map_targets.
with
stats as (
    select *
    from touchpoint_stats
    where level = 'touchpoint' and drop_off_rate is not null
),

final as (
    select
        'drop_off' as kind,
        s.node as subject,
        s.node as touchpoint,
        cast(null as varchar) as from_touchpoint,
        cast(null as varchar) as to_touchpoint,
        cast(null as varchar) as cycle,
        s.segment,
        s.segment_value,
        'drop_off_rate' as metric,
        s.drop_offs as k,
        s.journeys as n,
        'above_target' as test,
        t.max_drop_off_rate as threshold,
        cast(null as bigint) as k_base,
        cast(null as bigint) as n_base,
        s.drop_offs as journeys_affected,
        0.0 as goal_rate_affected,
        s.continued_goal_rate as goal_rate_expected,
        s.journeys * greatest(s.drop_off_rate - t.max_drop_off_rate, 0)
            * coalesce(s.continued_goal_rate, 0) as lost_goal_completions,
        s.journeys as population
    from stats as s
    inner join map_targets as t on t.touchpoint = s.node
)

select * from final
