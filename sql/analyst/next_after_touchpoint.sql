-- Journeys through a touchpoint: what did they do next, and how many reached a goal after?
-- grain: one row per next touchpoint after the journeys' first visit of $touchpoint
-- ('(ended)' when the journey ended there).
-- Counted up to each journey's first goal, like every mining table: a visit after the
-- journey already reached a goal is neither a visit that failed nor a loss. Goal rate: the
-- journeys that reach a goal after that first visit / the journeys taking that next step.
-- designed: the designed map has the move (false for '(ended)').
-- Parameters: $touchpoint (a touchpoint id, e.g. 'payment').
-- Inputs: journey_steps, map_transitions.
with
steps as (
    select journey_id, step, touchpoint, next_touchpoint, after_goal, goal_later
    from journey_steps
),

first_visits as (
    select journey_id, min(step) as first_step
    from steps
    where touchpoint = $touchpoint and not after_goal
    group by journey_id
),

outcomes as (
    select
        f.journey_id,
        coalesce(s.next_touchpoint, '(ended)') as next_touchpoint,
        s.goal_later as goal_after
    from first_visits as f
    inner join steps as s on s.journey_id = f.journey_id and s.step = f.first_step
),

final as (
    select
        o.next_touchpoint,
        coalesce(max(case when m.to_touchpoint is not null then 1 else 0 end) = 1, false)
            as designed,
        count(*) as journeys,
        count(*) / sum(count(*)) over () as journey_share,
        count(*) filter (where o.goal_after) as goal_journeys,
        count(*) filter (where o.goal_after) / count(*) as goal_rate
    from outcomes as o
    left join map_transitions as m
        on m.from_touchpoint = $touchpoint and m.to_touchpoint = o.next_touchpoint
    group by o.next_touchpoint
)

select * from final
order by journeys desc, next_touchpoint
