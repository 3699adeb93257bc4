-- Flag rule unknown_touchpoint: a touchpoint the sources produce that the map does not know
-- (a rule and the map disagree, or the map is out of date).
-- Inputs: touchpoint_stats.
select
    'unknown_touchpoint' as kind,
    node as subject,
    node as touchpoint,
    cast(null as varchar) as from_touchpoint,
    cast(null as varchar) as to_touchpoint,
    'journeys' as metric,
    cast(journeys as double) as value,
    cast(null as double) as ci_low,
    cast(null as double) as ci_high,
    cast(null as double) as threshold,
    cast(null as double) as baseline,
    journeys as journeys_affected,
    0.0 as lost_goal_completions,
    cast(journeys as varchar) || ' journeys visited ' || node
        || ', which is not in the designed map' as evidence
from touchpoint_stats
where segment = 'all' and level = 'touchpoint' and not in_map
