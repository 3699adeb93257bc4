-- grain: one row per (profile, furthest_stage): how many of the counted journeys got that
-- far in the map (the stage_order of the furthest stage they visited), per segment profile.
-- stage_funnel reads it. Kept over all journeys: an incremental night subtracts the counts of
-- the journeys it rebuilds and adds their new ones (scope.SUMMARIES). Journeys that visited
-- no touchpoint of the map are not counted.
-- $scoped: only the journeys in jm_scope_journeys.
-- Inputs: journey_steps, map_touchpoints, jm_internal.int_journey_profiles, jm_scope_journeys.
with
furthest as (
    select s.journey_id, max(m.stage_order) as furthest_stage
    from journey_steps as s
    inner join map_touchpoints as m on m.touchpoint = s.touchpoint
    where (not $scoped or s.journey_id in (select journey_id from jm_scope_journeys))
    group by s.journey_id
),

final as (
    select p.profile, f.furthest_stage, count(*) as journeys
    from furthest as f
    inner join jm_internal.int_journey_profiles as p on p.journey_id = f.journey_id
    group by p.profile, f.furthest_stage
)

select * from final
