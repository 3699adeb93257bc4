-- grain: one row per (segment, segment_value, level, node): level 'touchpoint' or 'stage'.
-- exit_rate: journeys whose last step is here, without a goal / journeys visiting.
-- drop_off_rate: journeys visiting that reach neither a designed successor afterwards (for a
-- stage: a later stage) nor a goal / journeys visiting; null where the map designs no way
-- on, and for goals. A journey that reached a goal is never lost. goal_rate: journeys that reach a goal after their first visit / journeys visiting.
-- Each rate has its Wilson 95% interval.
-- Drop-off is decided once, in int_node_visits (dropped_off, can_drop_off).
-- Inputs: jm_internal.int_node_visits, jm_internal.int_journey_profiles,
-- jm_internal.int_profile_segments, jm_internal.int_journey_segments, journey_steps,
-- map_touchpoints, map_stages.
with
-- counted per segment profile (int_journey_profiles), then spread over its segments
counted_by_profile as (
    select
        p.profile,
        v.level,
        v.node,
        sum(v.visits) as visits,
        count(*) as journeys,
        count(*) filter (where v.is_last and not v.reached_goal) as exits,
        count(*) filter (where v.dropped_off) as not_went_on,
        bool_or(v.can_drop_off) as can_drop_off,
        count(*) filter (where v.went_on = 1) as continued,
        count(*) filter (where v.went_on = 1 and v.goal_after = 1) as continued_goal_journeys,
        count(*) filter (where v.goal_after = 1) as goal_journeys
    from jm_internal.int_node_visits as v
    inner join jm_internal.int_journey_profiles as p on p.journey_id = v.journey_id
    group by p.profile, v.level, v.node
),

counted as (
    select
        ps.segment,
        ps.segment_value,
        c.level,
        c.node,
        cast(sum(c.visits) as bigint) as visits,
        cast(sum(c.journeys) as bigint) as journeys,
        cast(sum(c.exits) as bigint) as exits,
        cast(sum(c.not_went_on) as bigint) as not_went_on,
        bool_or(c.can_drop_off) as can_drop_off,
        cast(sum(c.continued) as bigint) as continued,
        cast(sum(c.continued_goal_journeys) as bigint) as continued_goal_journeys,
        cast(sum(c.goal_journeys) as bigint) as goal_journeys
    from counted_by_profile as c
    inner join jm_internal.int_profile_segments as ps on ps.profile = c.profile
    group by ps.segment, ps.segment_value, c.level, c.node
),

seconds_to_next as (
    select
        sg.segment,
        sg.segment_value,
        s.touchpoint as node,
        jm_percentile(s.seconds_to_next, 0.5) as median_seconds_to_next
    from journey_steps as s
    inner join jm_internal.int_journey_segments as sg on sg.journey_id = s.journey_id
    where s.seconds_to_next is not null
    group by sg.segment, sg.segment_value, s.touchpoint
),

rated as (
    select
        c.segment,
        c.segment_value,
        c.level,
        c.node,
        case when c.level = 'touchpoint' then m.stage else c.node end as stage,
        coalesce(m.stage_order, st.stage_order) as stage_order,
        c.level = 'touchpoint' and m.touchpoint is not null as in_map,
        coalesce(m.is_goal, false) as is_goal,
        c.visits,
        c.journeys,
        c.exits,
        c.exits / c.journeys as exit_rate,
        jm_wilson_low(c.exits, c.journeys) as exit_rate_low,
        jm_wilson_high(c.exits, c.journeys) as exit_rate_high,
        case when c.can_drop_off then c.not_went_on end as drop_offs,
        case when c.can_drop_off
            then c.not_went_on / c.journeys end as drop_off_rate,
        case when c.can_drop_off
            then jm_wilson_low(c.not_went_on, c.journeys) end as drop_off_rate_low,
        case when c.can_drop_off
            then jm_wilson_high(c.not_went_on, c.journeys) end as drop_off_rate_high,
        c.goal_journeys,
        c.goal_journeys / c.journeys as goal_rate,
        jm_wilson_low(c.goal_journeys, c.journeys) as goal_rate_low,
        jm_wilson_high(c.goal_journeys, c.journeys) as goal_rate_high,
        c.continued,
        case when c.continued > 0 then c.continued_goal_journeys / c.continued end
            as continued_goal_rate,
        t.median_seconds_to_next
    from counted as c
    left join map_touchpoints as m on c.level = 'touchpoint' and m.touchpoint = c.node
    left join map_stages as st on c.level = 'stage' and st.stage = c.node
    left join seconds_to_next as t
        on c.level = 'touchpoint' and t.segment = c.segment
        and t.segment_value = c.segment_value and t.node = c.node
),

final as (
    select * from rated
)

select * from final
