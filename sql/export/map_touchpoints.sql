-- grain: one row per touchpoint of the designed map, in the map's order: the BPMN export's
-- tasks. Inputs: map_touchpoints.
with
touchpoints as (
    select touchpoint, touchpoint_order, is_entry, is_goal
    from map_touchpoints
),

final as (
    select touchpoint, is_entry, is_goal, touchpoint_order
    from touchpoints
)

select touchpoint, is_entry, is_goal from final
order by touchpoint_order, touchpoint
