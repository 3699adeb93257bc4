-- grain: one row per move of a journey: from each step's touchpoint to the next, plus its
-- entry (__start__ -> first touchpoint) and its exit (last touchpoint -> __end__). The one
-- place moves are judged against the map; the counts of moves (int_transition_counts,
-- int_move_seconds, int_undesigned_counts, int_report_counts), int_journeys and the rework
-- cycles read them. A working table: a build keeps it only while it runs (scope.WORKING), so
-- deviations, which needs example journeys of every build, finds them in journey_steps the
-- same way (a step's move is to its next touchpoint; after_goal as below).
-- designed: the map designs the move (an entry: at an entry touchpoint; an exit: always).
-- after_goal: the move leaves the journey's first goal or a later step: browsing on after a
-- goal is never a deviation and never a loss.
-- goal_after: the journey reaches a goal after the move's start (one meaning of goal rate).
-- $scoped: only the journeys in jm_scope_journeys (an incremental night rebuilds those).
-- Inputs: journey_steps, map_touchpoints, map_transitions, jm_scope_journeys.
with
steps as (
    select
        journey_id,
        step,
        touchpoint,
        next_touchpoint,
        seconds_to_next,
        is_goal,
        after_goal,
        goal_later
    from journey_steps
    where (not $scoped or journey_id in (select journey_id from jm_scope_journeys))
),

raw_moves as (
    select journey_id, 0 as step, '__start__' as from_touchpoint, touchpoint as to_touchpoint,
        cast(null as double) as seconds, false as after_goal,
        -- the entry comes before step 1: a goal after it is one at step 1 or later
        is_goal or goal_later as goal_later
    from steps
    where step = 1
    union all
    select journey_id, step, touchpoint, coalesce(next_touchpoint, '__end__'), seconds_to_next,
        is_goal or after_goal, goal_later
    from steps
),

final as (
    select
        m.journey_id,
        m.step,
        m.from_touchpoint,
        m.to_touchpoint,
        m.seconds,
        case
            when m.from_touchpoint = '__start__' then coalesce(e.is_entry, false)
            when m.to_touchpoint = '__end__' then true
            else d.from_touchpoint is not null
        end as designed,
        m.after_goal,
        m.goal_later as goal_after
    from raw_moves as m
    left join map_transitions as d
        on d.from_touchpoint = m.from_touchpoint and d.to_touchpoint = m.to_touchpoint
    left join map_touchpoints as e
        on m.from_touchpoint = '__start__' and e.touchpoint = m.to_touchpoint
)

select * from final
