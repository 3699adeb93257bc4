-- grain: one row per (side, level, node), plus one per side for the goal over whole journeys
-- (level 'journey', node 'goal'): the counts "did the fix work?" compares. A journey is on a
-- side when it entered within the side's dates ($a_from <= started_at < $a_to, and the same
-- for b) and belongs to the side's segment ($a_segment = $a_value; 'all' = 'all' for
-- everyone). Dates govern entry: a journey that starts in range is followed to its end.
-- Inputs: jm_internal.int_node_visits, jm_internal.int_journey_segments, journeys.
with
sides as (
    select
        j.journey_id,
        j.reached_goal,
        case
            when j.started_at >= $a_from and j.started_at < $a_to
                and exists (
                    select 1 from jm_internal.int_journey_segments as s
                    where s.journey_id = j.journey_id
                        and s.segment = $a_segment and s.segment_value = $a_value
                ) then 'a'
        end as side_a,
        case
            when j.started_at >= $b_from and j.started_at < $b_to
                and exists (
                    select 1 from jm_internal.int_journey_segments as s
                    where s.journey_id = j.journey_id
                        and s.segment = $b_segment and s.segment_value = $b_value
                ) then 'b'
        end as side_b
    from journeys as j
),

on_side as (
    select journey_id, reached_goal, side_a as side from sides where side_a is not null
    union all
    select journey_id, reached_goal, side_b from sides where side_b is not null
),

nodes as (
    select
        o.side,
        v.level,
        v.node,
        count(*) as journeys,
        count(*) filter (where v.dropped_off) as drop_offs,
        count(*) filter (where v.goal_after = 1) as goal_journeys
    from on_side as o
    inner join jm_internal.int_node_visits as v on v.journey_id = o.journey_id
    group by o.side, v.level, v.node
),

whole as (
    select
        side,
        'journey' as level,
        'goal' as node,
        count(*) as journeys,
        cast(0 as bigint) as drop_offs,
        count(*) filter (where reached_goal) as goal_journeys
    from on_side
    group by side
),

final as (
    select * from nodes
    union all
    select * from whole
)

select * from final
