-- How does one touchpoint trend week by week: journeys reaching it, drop-offs there, goals
-- after it?
-- grain: one row per week (Monday) in which journeys that reached $touchpoint entered.
-- Journeys are counted in the week they entered (started), so each is followed to its end.
-- As in touchpoint_stats, only steps up to a journey's first goal count. drop_offs: journeys
-- that reached neither a designed successor of $touchpoint nor a goal afterwards (null when
-- $touchpoint is a goal or the map designs no way on from it); goal_journeys: journeys that
-- reached a goal after their first visit. Each rate with its Wilson 95% interval.
-- Parameters: $touchpoint (a touchpoint id, e.g. 'payment').
-- Inputs: journey_steps, journeys, map_transitions, map_touchpoints.
with
steps as (
    select journey_id, step, touchpoint, is_goal, after_goal from journey_steps
),

successors as (
    select to_touchpoint as touchpoint from map_transitions where from_touchpoint = $touchpoint
),

judged as (
    -- drop-off is judged only at a non-goal touchpoint the map designs a way on from
    select count(*) > 0 as has_way_on
    from successors
    where not exists (
        select 1 from map_touchpoints as m where m.touchpoint = $touchpoint and m.is_goal
    )
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
        cast(date_trunc('week', j.started_at) as date) as week,
        exists (
            select 1 from steps as s
            where s.journey_id = f.journey_id and s.step > f.first_step and s.is_goal
        ) as goal_after,
        exists (
            select 1 from steps as s
            inner join successors as n on n.touchpoint = s.touchpoint
            where s.journey_id = f.journey_id and s.step > f.first_step and not s.after_goal
        ) as went_on
    from first_visits as f
    inner join journeys as j on j.journey_id = f.journey_id
),

counted as (
    select
        week,
        count(*) as journeys,
        count(*) filter (where not went_on and not goal_after) as not_went_on,
        count(*) filter (where goal_after) as goal_journeys
    from outcomes
    group by week
),

final as (
    select
        c.week,
        c.journeys,
        case when jd.has_way_on then c.not_went_on end as drop_offs,
        case when jd.has_way_on then c.not_went_on / c.journeys end as drop_off_rate,
        case when jd.has_way_on then jm_wilson_low(c.not_went_on, c.journeys) end
            as drop_off_rate_low,
        case when jd.has_way_on then jm_wilson_high(c.not_went_on, c.journeys) end
            as drop_off_rate_high,
        c.goal_journeys,
        c.goal_journeys / c.journeys as goal_rate,
        jm_wilson_low(c.goal_journeys, c.journeys) as goal_rate_low,
        jm_wilson_high(c.goal_journeys, c.journeys) as goal_rate_high
    from counted as c
    cross join judged as jd
)

select * from final
order by week
