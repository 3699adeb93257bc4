-- Flag rule dead_end, candidates: every non-goal touchpoint, overall and in every segment.
-- k of n: journeys through it that reach a goal afterwards, of the journeys through it.
-- Baseline (k_base of n_base): the other journeys of its stage (that reached the stage but
-- not this touchpoint), their goal rate after reaching the stage. Tested one-sided: is its
-- goal rate below the baseline? The engine also asks for a practical effect: at most
-- mining.dead_end_relative_goal_rate of the baseline. And a dead end is where journeys stop:
-- only touchpoints where most journeys (over half) go neither on as designed nor to a goal
-- are candidates, so a page whose visitors go on and get lost further along is not one
-- (the loss is located where they stop). A touchpoint the map leaves with no way to any
-- goal is a dead end by design ('structural', overall only).
-- Lost goal completions: journeys through it times (baseline goal rate - its own).
-- Inputs: jm_internal.int_node_counts, jm_internal.int_profile_segments, touchpoint_stats,
-- map_touchpoints.
with
touchpoints as (
    select touchpoint, stage, goal_reachable from map_touchpoints where not is_goal
),

-- journeys visiting each touchpoint, those reaching a goal after it, and those reaching one
-- after their first visit of the touchpoint's stage (int_node_visits.stage_goal_after), per
-- segment profile, from the counts kept over all journeys (int_node_counts)
at_touchpoint_by_profile as (
    select
        c.profile,
        m.touchpoint,
        m.stage,
        c.journeys as n,
        c.goal_journeys as k,
        c.stage_goal_journeys as k_stage
    from jm_internal.int_node_counts as c
    inner join touchpoints as m on m.touchpoint = c.node
    where c.level = 'touchpoint'
),

at_touchpoint as (
    select
        ps.segment,
        ps.segment_value,
        a.touchpoint,
        a.stage,
        sum(a.n) as n,
        sum(a.k) as k,
        sum(a.k_stage) as k_stage
    from at_touchpoint_by_profile as a
    inner join jm_internal.int_profile_segments as ps on ps.profile = a.profile
    group by ps.segment, ps.segment_value, a.touchpoint, a.stage
),

at_stage_by_profile as (
    select profile, node as stage, journeys as n, goal_journeys as k
    from jm_internal.int_node_counts
    where level = 'stage'
),

at_stage as (
    select ps.segment, ps.segment_value, a.stage, sum(a.n) as n, sum(a.k) as k
    from at_stage_by_profile as a
    inner join jm_internal.int_profile_segments as ps on ps.profile = a.profile
    group by ps.segment, ps.segment_value, a.stage
),

tested as (
    select
        'dead_end' as kind,
        a.touchpoint as subject,
        a.touchpoint,
        a.segment,
        a.segment_value,
        cast(a.k as bigint) as k,
        cast(a.n as bigint) as n,
        'below_baseline' as test,
        cast(null as double) as threshold,
        cast(s.k - a.k_stage as bigint) as k_base,
        cast(s.n - a.n as bigint) as n_base
    from at_touchpoint as a
    inner join at_stage as s
        on s.segment = a.segment and s.segment_value = a.segment_value and s.stage = a.stage
    inner join touchpoint_stats as ts
        on ts.segment = a.segment and ts.segment_value = a.segment_value
        and ts.level = 'touchpoint' and ts.node = a.touchpoint
    where ts.drop_off_rate > 0.5
),

structural as (
    select
        'dead_end' as kind,
        m.touchpoint as subject,
        m.touchpoint,
        'all' as segment,
        'all' as segment_value,
        cast(0 as bigint) as k,
        cast(0 as bigint) as n,
        'structural' as test,
        cast(null as double) as threshold,
        cast(null as bigint) as k_base,
        cast(null as bigint) as n_base
    from touchpoints as m
    where not m.goal_reachable
),

unioned as (
    select * from tested
    union all
    select * from structural
),

final as (
    select
        kind,
        subject,
        touchpoint,
        cast(null as varchar) as from_touchpoint,
        cast(null as varchar) as to_touchpoint,
        cast(null as varchar) as cycle,
        segment,
        segment_value,
        'goal_rate' as metric,
        k,
        n,
        test,
        threshold,
        k_base,
        n_base,
        n - k as journeys_affected,
        case when n > 0 then k / n end as goal_rate_affected,
        case when n_base > 0 then k_base / n_base end as goal_rate_expected,
        case when n > 0 and n_base > 0
            then n * greatest(k_base / n_base - k / n, 0) else 0.0 end as lost_goal_completions,
        n as population
    from unioned
)

select * from final
