-- grain: one row per touchpoint of the designed map, in map order, with its stage and lane.
-- Inputs: map_touchpoints, map_stages.
select
    t.touchpoint,
    t.touchpoint_order,
    t.label,
    t.stage,
    s.stage_order,
    t.channel,
    t.is_entry,
    t.is_goal
from map_touchpoints as t
inner join map_stages as s on s.stage = t.stage
order by s.stage_order, t.touchpoint_order
