-- grain: one row per (journey_id, level, node) the journey visited, where level is
-- 'touchpoint' (node = touchpoint) or 'stage' (node = stage): what happened after the
-- first visit. went_on: a designed successor (for a stage: a later stage) came later;
-- goal_after: a goal came later; first_at: when the journey first got there; dropped_off:
-- neither a designed successor nor a goal came later, where the map designs a way on
-- (can_drop_off: not at a goal, nor where the map leads nowhere). Only steps up to the journey's first goal count: what a
-- customer browses after reaching a goal is neither a visit that failed nor a loss.
-- Inputs: journey_steps, jm_internal.int_journeys, map_touchpoints, map_transitions,
-- map_stages, jm_scope_journeys ($scoped: only those journeys; an incremental night rebuilds
-- them).
with
steps as (
    select s.journey_id, s.step, s.touchpoint, m.stage, m.stage_order, s.is_goal,
        s.seconds_to_next, s.occurred_at
    from journey_steps as s
    left join map_touchpoints as m on m.touchpoint = s.touchpoint
    where not s.after_goal
        and (not $scoped or s.journey_id in (select journey_id from jm_scope_journeys))
),

touchpoint_first as (
    select journey_id, touchpoint as node, min(step) as first_step, count(*) as visits,
        min(occurred_at) as first_at
    from steps
    group by journey_id, touchpoint
),

touchpoint_after as (
    select
        f.journey_id,
        f.node,
        max(case when d.to_touchpoint is not null then 1 else 0 end) as went_on,
        max(case when s.is_goal then 1 else 0 end) as goal_after
    from touchpoint_first as f
    inner join steps as s on s.journey_id = f.journey_id and s.step > f.first_step
    left join map_transitions as d
        on d.from_touchpoint = f.node and d.to_touchpoint = s.touchpoint
    group by f.journey_id, f.node
),

stage_first as (
    select journey_id, stage as node, min(stage_order) as stage_order, min(step) as first_step,
        min(occurred_at) as first_at,
        count(*) as visits
    from steps
    where stage is not null
    group by journey_id, stage
),

stage_after as (
    select
        f.journey_id,
        f.node,
        max(case when s.stage_order > f.stage_order then 1 else 0 end) as went_on,
        max(case when s.is_goal then 1 else 0 end) as goal_after
    from stage_first as f
    inner join steps as s on s.journey_id = f.journey_id and s.step > f.first_step
    group by f.journey_id, f.node
),

-- where the map designs a way on (for a stage: a later stage) and the node is not a goal:
-- only there can a journey drop off
droppable as (
    select distinct d.from_touchpoint as node, 'touchpoint' as level
    from map_transitions as d
    inner join map_touchpoints as m on m.touchpoint = d.from_touchpoint
    where not m.is_goal
    union all
    select stage, 'stage'
    from map_stages
    where stage_order < (select max(stage_order) from map_stages)
),

last_nodes as (
    select j.journey_id, j.last_touchpoint, m.stage as last_stage, j.reached_goal
    from jm_internal.int_journeys as j
    left join map_touchpoints as m on m.touchpoint = j.last_touchpoint
    where not $scoped or j.journey_id in (select journey_id from jm_scope_journeys)
),

visited as (
    select
        f.journey_id, 'touchpoint' as level, f.node, f.visits, f.first_at,
        coalesce(a.went_on, 0) as went_on, coalesce(a.goal_after, 0) as goal_after,
        l.last_touchpoint = f.node as is_last, l.reached_goal
    from touchpoint_first as f
    left join touchpoint_after as a on a.journey_id = f.journey_id and a.node = f.node
    inner join last_nodes as l on l.journey_id = f.journey_id
    union all
    select
        f.journey_id, 'stage', f.node, f.visits, f.first_at,
        coalesce(a.went_on, 0), coalesce(a.goal_after, 0),
        coalesce(l.last_stage = f.node, false), l.reached_goal
    from stage_first as f
    left join stage_after as a on a.journey_id = f.journey_id and a.node = f.node
    inner join last_nodes as l on l.journey_id = f.journey_id
),

-- the one place drop-off is decided: reached neither a designed successor nor a goal
final as (
    select
        v.*,
        d.node is not null as can_drop_off,
        d.node is not null and v.went_on = 0 and v.goal_after = 0 as dropped_off
    from visited as v
    left join droppable as d on d.level = v.level and d.node = v.node
)

select * from final
