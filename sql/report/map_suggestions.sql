-- grain: one row per suggested change to the designed map (an undesigned move that converts
-- as well as the designed path or better), most journeys first.
-- Inputs: map_suggestions.
select * from map_suggestions
order by journeys desc, from_touchpoint, to_touchpoint
