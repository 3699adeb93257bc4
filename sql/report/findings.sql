-- grain: one row per flag of the last nightly run, best first, with the label and stage of
-- its touchpoint in the designed map and its concentration, for the report's findings.
-- Inputs: flags, map_touchpoints.
select
    f.*,
    m.label as touchpoint_label,
    m.stage
from flags as f
left join map_touchpoints as m on m.touchpoint = f.touchpoint
order by f.rank
