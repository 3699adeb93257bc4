-- grain: one row per flag: the drop-off report for the people who fix the journeys, best
-- first, with the labels and stages of the designed map.
-- Inputs: flags, map_touchpoints.
select
    f.rank,
    f.kind,
    f.subject,
    m.label as touchpoint_label,
    m.stage,
    round(f.lost_goal_completions, 1) as lost_goal_completions,
    f.journeys_affected,
    f.metric,
    round(f.value, 4) as value,
    round(f.ci_low, 4) as ci_low,
    round(f.ci_high, 4) as ci_high,
    f.threshold,
    f.evidence
from flags as f
left join map_touchpoints as m on m.touchpoint = f.touchpoint
order by f.rank
