-- grain: one row per (journey_id, start_step): a rework cycle the journey went round. A
-- journey goes round a cycle when it comes back to a touchpoint it had already passed after
-- going further (A > B > A, or A > B > C > A with any steps between), up to
-- $max_cycle_length touchpoints round; only steps before its first goal count.
-- cycle: its touchpoints in order, starting from the one earliest in the map
-- (touchpoint_order), so A > B > C and B > C > A are the same cycle; first_touchpoint is that
-- one; designed: every move of it is one the map designs. The loop rule reads it.
-- $scoped: only the journeys in jm_scope_journeys (an incremental night rebuilds those).
-- Inputs: journey_steps, jm_internal.int_moves, map_touchpoints, jm_scope_journeys.
with
steps as (
    select s.journey_id, s.step, s.touchpoint,
        coalesce(m.touchpoint_order, 1000000) as map_order
    from journey_steps as s
    left join map_touchpoints as m on m.touchpoint = s.touchpoint
    where not s.after_goal
        and (not $scoped or s.journey_id in (select journey_id from jm_scope_journeys))
),

returns as (
    select
        journey_id,
        step as start_step,
        lead(step) over (partition by journey_id, touchpoint order by step) as back_step
    from steps
),

-- each return after going further, up to $max_cycle_length touchpoints round
cycles as (
    select journey_id, start_step, back_step
    from returns
    where back_step > start_step + 1 and back_step - start_step <= $max_cycle_length
),

cycle_steps as (
    select
        c.journey_id,
        c.start_step,
        c.back_step,
        c.back_step - c.start_step as cycle_length,
        s.step - c.start_step as pos,
        s.touchpoint,
        s.map_order,
        mv.designed
    from cycles as c
    inner join steps as s
        on s.journey_id = c.journey_id and s.step >= c.start_step and s.step < c.back_step
    inner join jm_internal.int_moves as mv on mv.journey_id = s.journey_id and mv.step = s.step
),

-- the rotation that starts at the touchpoint earliest in the map
anchored as (
    select
        *,
        first_value(pos) over (
            partition by journey_id, start_step order by map_order, touchpoint, pos
        ) as anchor
    from cycle_steps
),

final as (
    select
        journey_id,
        start_step,
        min(back_step) as back_step,
        string_agg(touchpoint, ' > ' order by (pos - anchor + cycle_length) % cycle_length)
            as cycle,
        min(case when pos = anchor then touchpoint end) as first_touchpoint,
        bool_and(designed) as designed
    from anchored
    group by journey_id, start_step
)

select * from final
