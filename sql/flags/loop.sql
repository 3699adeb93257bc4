-- Flag rule loop, candidates: rework cycles of any length, overall and in every segment. A
-- journey repeats a cycle when it comes back to a touchpoint it had already passed after
-- going further (A > B > A, or A > B > C > A with any steps between), through at least one
-- move the map does not design: cycles the map intends (browsing back and forth between
-- designed pages) are not problems. Only steps before a journey's first goal count.
-- A cycle is named by its touchpoints in order, starting from the one earliest in the map
-- (touchpoint_order), so A > B > C and B > C > A are the same cycle. Each journey's cycles
-- are found once, when its journey is built (jm_internal.int_journey_cycles), and counted
-- over all journeys in kept counts (int_cycle_repeats, int_cycle_touchpoints,
-- int_visit_sets), which an incremental night updates with the journeys it rebuilds.
-- k of n: journeys repeating the cycle, of the journeys visiting every touchpoint of it;
-- tested against the map's max_loop_rate of its touchpoints (the smallest).
-- Lost goal completions: repeating journeys times (the others' goal rate - theirs), both
-- measured after the first visit of the cycle's first touchpoint.
-- Inputs: jm_internal.int_cycle_repeats, jm_internal.int_cycle_touchpoints,
-- jm_internal.int_visit_sets, jm_internal.int_profile_segments, map_targets.
with
-- cycles with an undesigned move, repeated by at least 3 journeys (fewer cannot be judged;
-- the denominator still needs $min_journeys)
frequent as (
    select cycle, min(first_touchpoint) as first_touchpoint
    from jm_internal.int_cycle_repeats
    group by cycle
    having sum(journeys) >= least(3, $min_journeys)
),

cycle_touchpoints as (
    select c.cycle, c.touchpoint
    from jm_internal.int_cycle_touchpoints as c
    inner join frequent as f on f.cycle = c.cycle
),

cycle_sizes as (
    select cycle, count(*) as touchpoints from cycle_touchpoints group by cycle
),

-- journeys with the same visited set (the touchpoints they visited before a goal) are
-- exposed to the same cycles, so exposure is judged once per set (a few thousand) instead
-- of once per journey and cycle
set_touchpoints as (
    select distinct visited_set, touchpoint from jm_internal.int_visit_sets
),

set_exposed as (
    select s.visited_set, c.cycle
    from set_touchpoints as s
    inner join cycle_touchpoints as c on c.touchpoint = s.touchpoint
    inner join cycle_sizes as z on z.cycle = c.cycle
    group by s.visited_set, c.cycle
    having count(*) = max(z.touchpoints)
),

-- the journeys exposed to each cycle (that visited each touchpoint of it, so could have
-- repeated it) and their goals after its first touchpoint, per segment profile
exposed_by_profile as (
    select e.cycle, sp.profile, sum(sp.journeys) as n, sum(sp.goal_journeys) as goal_journeys
    from set_exposed as e
    inner join frequent as f on f.cycle = e.cycle
    inner join jm_internal.int_visit_sets as sp
        on sp.visited_set = e.visited_set and sp.touchpoint = f.first_touchpoint
    group by e.cycle, sp.profile
),

-- of those, the journeys that repeated it, and their goals after its first touchpoint (a
-- journey that went round a cycle before its first goal visited each touchpoint of it
-- before that goal: it is one of the exposed)
repeated_by_profile as (
    select r.cycle, r.profile, sum(r.journeys) as k, sum(r.goal_journeys) as k_goal
    from jm_internal.int_cycle_repeats as r
    inner join frequent as f on f.cycle = r.cycle
    group by r.cycle, r.profile
),

-- counted per segment profile, then spread over the profile's segments
counted_by_profile as (
    select
        x.cycle,
        x.profile,
        coalesce(r.k, 0) as k,
        x.n,
        coalesce(r.k_goal, 0) as k_goal,
        x.goal_journeys - coalesce(r.k_goal, 0) as others_goal,
        x.n - coalesce(r.k, 0) as others
    from exposed_by_profile as x
    left join repeated_by_profile as r on r.cycle = x.cycle and r.profile = x.profile
),

counted as (
    select
        c.cycle,
        ps.segment,
        ps.segment_value,
        cast(sum(c.k) as bigint) as k,
        cast(sum(c.n) as bigint) as n,
        cast(sum(c.k_goal) as bigint) as k_goal,
        cast(sum(c.others_goal) as bigint) as others_goal,
        cast(sum(c.others) as bigint) as others
    from counted_by_profile as c
    inner join jm_internal.int_profile_segments as ps on ps.profile = c.profile
    group by c.cycle, ps.segment, ps.segment_value
),

targets as (
    select c.cycle, min(t.max_loop_rate) as max_loop_rate
    from cycle_touchpoints as c
    inner join map_targets as t on t.touchpoint = c.touchpoint
    group by c.cycle
),

final as (
    select
        'loop' as kind,
        c.cycle as subject,
        f.first_touchpoint as touchpoint,
        cast(null as varchar) as from_touchpoint,
        cast(null as varchar) as to_touchpoint,
        c.cycle,
        c.segment,
        c.segment_value,
        'loop_rate' as metric,
        c.k,
        c.n,
        'above_target' as test,
        coalesce(t.max_loop_rate, 0.03) as threshold,
        c.others_goal as k_base,
        c.others as n_base,
        c.k as journeys_affected,
        case when c.k > 0 then c.k_goal / c.k end as goal_rate_affected,
        case when c.others > 0 then c.others_goal / c.others end as goal_rate_expected,
        case when c.k > 0 and c.others > 0
            then c.k * greatest(c.others_goal / c.others - c.k_goal / c.k, 0) else 0.0 end
            as lost_goal_completions,
        c.n as population
    from counted as c
    inner join frequent as f on f.cycle = c.cycle
    left join targets as t on t.cycle = c.cycle
)

select * from final
