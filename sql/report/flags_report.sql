-- grain: one row per flag: the drop-off report for the people who fix the journeys, best
-- first, with the labels and stages of the designed map.
-- Inputs: flags, map_touchpoints.
select
    f.rank,
    f.kind,
    f.subject,
    f.segment,
    f.segment_value,
    m.label as touchpoint_label,
    m.stage,
    round(f.lost_goal_completions, 1) as lost_goal_completions,
    f.journeys,
    f.journeys_affected,
    f.metric,
    round(f.value, 4) as value,
    round(f.ci_low, 4) as ci_low,
    round(f.ci_high, 4) as ci_high,
    f.threshold,
    round(f.baseline, 4) as baseline,
    f.p_value,
    f.q_value,
    f.concentrated_segment,
    f.concentrated_value,
    round(f.concentrated_rate, 4) as concentrated_rate,
    round(f.concentrated_rest_rate, 4) as concentrated_rest_rate,
    f.concentrated_p_value,
    f.evidence
from flags as f
left join map_touchpoints as m on m.touchpoint = f.touchpoint
order by f.rank
