-- grain: one row per designed transition: the BPMN export's sequence flows between tasks.
-- Inputs: map_transitions.
with
transitions as (
    select from_touchpoint, to_touchpoint
    from map_transitions
),

final as (
    select from_touchpoint, to_touchpoint
    from transitions
)

select * from final
order by from_touchpoint, to_touchpoint
