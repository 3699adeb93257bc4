-- grain: one row per (profile, touchpoint, seconds_to_next): how many steps of the counted
-- journeys at that touchpoint took that many seconds to the next step, per segment profile.
-- The value counts touchpoint_stats reads median_seconds_to_next from, kept over all journeys
-- like int_node_counts (scope.SUMMARIES). A journey's last step has no next and is not counted.
-- $scoped: only the journeys in jm_scope_journeys.
-- Inputs: journey_steps, jm_internal.int_journey_profiles, jm_scope_journeys.
with
steps as (
    select p.profile, s.touchpoint, s.seconds_to_next
    from journey_steps as s
    inner join jm_internal.int_journey_profiles as p on p.journey_id = s.journey_id
    where s.seconds_to_next is not null
        and (not $scoped or s.journey_id in (select journey_id from jm_scope_journeys))
),

final as (
    select profile, touchpoint, seconds_to_next, count(*) as steps
    from steps
    group by profile, touchpoint, seconds_to_next
)

select * from final
