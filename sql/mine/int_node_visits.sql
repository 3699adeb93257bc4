-- grain: one row per (journey_id, level, node) the journey visited, where level is
-- 'touchpoint' (node = touchpoint) or 'stage' (node = stage): what happened after the
-- first visit. went_on: a designed successor (for a stage: a later stage) came later;
-- goal_after: a goal came later; stage_goal_after: a goal came after the first visit of the
-- node's stage (the dead_end rule's baseline; null for a touchpoint outside the map's
-- stages); first_at: when the journey first got there; dropped_off: neither a designed
-- successor nor a goal came later, where the map designs a way on (can_drop_off: not at a
-- goal, nor where the map leads nowhere); started_on: the day (UTC) the journey started.
-- Only steps up to the journey's first goal count: what a customer browses after reaching a
-- goal is neither a visit that failed nor a loss.
-- A working table: a build keeps it only while it runs (scope.WORKING). The counts kept over
-- all journeys read it (int_node_counts, int_period_counts, int_start_counts and more); an
-- incremental night builds its old journeys' visits again from their old steps.
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
    select journey_id, touchpoint as node, min(stage) as stage, min(step) as first_step,
        max(step) as last_step, count(*) as visits, min(occurred_at) as first_at
    from steps
    group by journey_id, touchpoint
),

stage_first as (
    select journey_id, stage as node, min(stage_order) as stage_order, min(step) as first_step,
        max(step) as last_step, min(occurred_at) as first_at, count(*) as visits
    from steps
    where stage is not null
    group by journey_id, stage
),

-- the journey's goal step: the steps end at its first goal, so a goal came after a node's
-- first visit when this step is later
goal_steps as (
    select journey_id, min(step) as goal_step
    from steps
    where is_goal
    group by journey_id
),

-- a designed successor came after the first visit: the last visit of one of the node's
-- designed next touchpoints is later (no pairing of every step with every later step)
touchpoint_went_on as (
    select distinct f.journey_id, f.node
    from touchpoint_first as f
    inner join map_transitions as d on d.from_touchpoint = f.node
    inner join touchpoint_first as t
        on t.journey_id = f.journey_id and t.node = d.to_touchpoint
    where t.last_step > f.first_step
),

-- a later stage came after the first visit: a later stage's last visit is later
stage_went_on as (
    select distinct f.journey_id, f.node
    from stage_first as f
    inner join stage_first as t on t.journey_id = f.journey_id
    where t.stage_order > f.stage_order and t.last_step > f.first_step
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
    select
        j.journey_id, j.last_touchpoint, m.stage as last_stage, j.reached_goal,
        cast(j.started_at as date) as started_on
    from jm_internal.int_journeys as j
    left join map_touchpoints as m on m.touchpoint = j.last_touchpoint
    where not $scoped or j.journey_id in (select journey_id from jm_scope_journeys)
),

visited as (
    select
        f.journey_id, 'touchpoint' as level, f.node, f.visits, f.first_at,
        case when w.node is not null then 1 else 0 end as went_on,
        case when g.goal_step > f.first_step then 1 else 0 end as goal_after,
        case
            when sf.node is null then null
            when g.goal_step > sf.first_step then 1
            else 0
        end as stage_goal_after,
        l.last_touchpoint = f.node as is_last, l.reached_goal, l.started_on
    from touchpoint_first as f
    left join touchpoint_went_on as w on w.journey_id = f.journey_id and w.node = f.node
    left join goal_steps as g on g.journey_id = f.journey_id
    left join stage_first as sf on sf.journey_id = f.journey_id and sf.node = f.stage
    inner join last_nodes as l on l.journey_id = f.journey_id
    union all
    select
        f.journey_id, 'stage', f.node, f.visits, f.first_at,
        case when w.node is not null then 1 else 0 end,
        case when g.goal_step > f.first_step then 1 else 0 end,
        case when g.goal_step > f.first_step then 1 else 0 end,
        coalesce(l.last_stage = f.node, false), l.reached_goal, l.started_on
    from stage_first as f
    left join stage_went_on as w on w.journey_id = f.journey_id and w.node = f.node
    left join goal_steps as g on g.journey_id = f.journey_id
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
