-- grain: one row per (from_touchpoint, to_touchpoint, seconds): how many of the counted
-- journeys' moves took that many seconds. The value counts transitions reads its median and
-- p90 from, kept over all journeys like int_transition_counts (scope.SUMMARIES). Entries
-- and exits have no time (__start__, __end__) and are not counted.
-- $scoped: only the journeys in jm_scope_journeys.
-- Inputs: jm_internal.int_moves, jm_scope_journeys.
with
moves as (
    select from_touchpoint, to_touchpoint, seconds
    from jm_internal.int_moves
    where seconds is not null
        and (not $scoped or journey_id in (select journey_id from jm_scope_journeys))
),

final as (
    select from_touchpoint, to_touchpoint, seconds, count(*) as moves
    from moves
    group by from_touchpoint, to_touchpoint, seconds
)

select * from final
