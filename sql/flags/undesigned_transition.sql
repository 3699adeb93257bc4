-- Flag rule undesigned_transition, candidates: every move the map does not design (an entry
-- at a touchpoint that is not an entry included), taken before the journey's first goal,
-- overall and in every segment.
-- k of n: journeys taking it that reach a goal afterwards, of the journeys taking it;
-- k_base of n_base: the other journeys at its source, their goal rate after the source.
-- Tested one-sided: do the journeys taking it convert worse? Moves that convert as well or
-- better are suggestions for the map (map_suggestions), not flags. share: journeys taking it
-- / journeys at its source, judged against the map's max_undesigned_share as a practical
-- effect.
-- Lost goal completions: journeys taking it times (the others' goal rate - theirs).
-- Counted per segment profile over all journeys in kept counts (int_undesigned_counts, and
-- int_node_counts and int_profile_journeys for the sources), then spread over segments.
-- Inputs: jm_internal.int_undesigned_counts, jm_internal.int_node_counts,
-- jm_internal.int_profile_journeys, jm_internal.int_profile_segments, map_targets.
with
moves as (
    select distinct from_touchpoint, to_touchpoint from jm_internal.int_undesigned_counts
),

-- journeys at each source of an undesigned move (visited the touchpoint, or started, for
-- __start__) and how many reached a goal afterwards, per segment profile, then per segment
sources_by_profile as (
    select profile, node as from_touchpoint, journeys as at_source, goal_journeys as source_goal
    from jm_internal.int_node_counts
    where level = 'touchpoint' and node in (select from_touchpoint from moves)
    union all
    select profile, '__start__', journeys, goal_journeys
    from jm_internal.int_profile_journeys
    where '__start__' in (select from_touchpoint from moves)
),

sources as (
    select
        ps.segment,
        ps.segment_value,
        s.from_touchpoint,
        cast(sum(s.at_source) as bigint) as at_source,
        cast(sum(s.source_goal) as bigint) as source_goal
    from sources_by_profile as s
    inner join jm_internal.int_profile_segments as ps on ps.profile = s.profile
    group by ps.segment, ps.segment_value, s.from_touchpoint
),

-- journeys at a source taking a move: their goals after the move, and after the source (to
-- take them out of the source's goals, leaving the others'), per profile, then per segment
taken_by_profile as (
    select * from jm_internal.int_undesigned_counts
),

taken as (
    select
        ps.segment,
        ps.segment_value,
        t.from_touchpoint,
        t.to_touchpoint,
        cast(sum(t.took) as bigint) as took,
        cast(sum(t.took_goal) as bigint) as took_goal,
        cast(sum(t.took_source_goal) as bigint) as took_source_goal
    from taken_by_profile as t
    inner join jm_internal.int_profile_segments as ps on ps.profile = t.profile
    group by ps.segment, ps.segment_value, t.from_touchpoint, t.to_touchpoint
),

outcomes as (
    select
        s.segment,
        s.segment_value,
        m.from_touchpoint,
        m.to_touchpoint,
        s.at_source,
        coalesce(t.took, 0) as took,
        coalesce(t.took_goal, 0) as took_goal,
        s.at_source - coalesce(t.took, 0) as others,
        s.source_goal - coalesce(t.took_source_goal, 0) as others_goal
    from moves as m
    inner join sources as s on s.from_touchpoint = m.from_touchpoint
    left join taken as t
        on t.segment = s.segment and t.segment_value = s.segment_value
        and t.from_touchpoint = m.from_touchpoint and t.to_touchpoint = m.to_touchpoint
),

final as (
    select
        'undesigned_transition' as kind,
        o.from_touchpoint || ' -> ' || o.to_touchpoint as subject,
        o.from_touchpoint as touchpoint,
        o.from_touchpoint,
        o.to_touchpoint,
        cast(null as varchar) as cycle,
        o.segment,
        o.segment_value,
        'source_share' as metric,
        o.took_goal as k,
        o.took as n,
        'worse_than_others' as test,
        coalesce(t.max_undesigned_share, 0.02) as threshold,
        o.others_goal as k_base,
        o.others as n_base,
        o.took as journeys_affected,
        case when o.took > 0 then o.took_goal / o.took end as goal_rate_affected,
        case when o.others > 0 then o.others_goal / o.others end as goal_rate_expected,
        case when o.took > 0 and o.others > 0
            then o.took * greatest(o.others_goal / o.others - o.took_goal / o.took, 0)
            else 0.0 end as lost_goal_completions,
        o.at_source as population
    from outcomes as o
    left join map_targets as t on t.touchpoint = o.from_touchpoint
)

select * from final
