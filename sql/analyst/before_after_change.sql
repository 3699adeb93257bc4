-- Did a change at one touchpoint work? Its journeys that entered before the change against
-- those that entered after it.
-- grain: one row per period: 'before' and 'after'.
-- Journeys are assigned by the day they entered (started): before $change_date, or on or
-- after it; with $window_days, only those that entered within that many days on either side
-- (equal windows; null: all). Each is followed to its end, so recent journeys have had less
-- time to reach a goal: choose a window that ended long enough ago. Counted as in
-- touchpoint_stats, up to each journey's first goal: drop_offs reached neither a designed
-- successor of $touchpoint nor a goal afterwards (null when $touchpoint is a goal or has no
-- designed way on); goal_journeys reached a goal after their first visit. Rates with their
-- Wilson 95% intervals; whether a difference is significant is a test on these counts
-- (journeymine.stats.compare_proportions).
-- Parameters: $touchpoint (a touchpoint id, e.g. 'payment'), $change_date (a date),
-- $window_days (a number of days, or null).
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

periods as (
    select
        f.journey_id,
        f.first_step,
        case when cast(j.started_at as date) < cast($change_date as date) then 'before'
            else 'after' end as period
    from first_visits as f
    inner join journeys as j on j.journey_id = f.journey_id
    where $window_days is null
        or (
            j.started_at >= cast($change_date as date) - $window_days * interval 1 day
            and j.started_at < cast($change_date as date) + $window_days * interval 1 day
        )
),

outcomes as (
    select
        p.period,
        exists (
            select 1 from steps as s
            where s.journey_id = p.journey_id and s.step > p.first_step and s.is_goal
        ) as goal_after,
        exists (
            select 1 from steps as s
            inner join successors as n on n.touchpoint = s.touchpoint
            where s.journey_id = p.journey_id and s.step > p.first_step and not s.after_goal
        ) as went_on
    from periods as p
),

counted as (
    select
        period,
        count(*) as journeys,
        count(*) filter (where not went_on and not goal_after) as not_went_on,
        count(*) filter (where goal_after) as goal_journeys
    from outcomes
    group by period
),

final as (
    select
        c.period,
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
order by period = 'after', period
