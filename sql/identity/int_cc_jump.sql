-- grain: one row per vertex of the current contracted graph
-- One pointer jump: each vertex takes its parent's parent. Parents are never larger than
-- their vertex, so repeated jumps end with every vertex pointing at its tree's root.
-- Inputs: jm_cc_hooks (v, parent).
with
hooks as (
    select v, parent from jm_cc_hooks
),

final as (
    select
        h.v,
        p.parent,
        p.parent <> h.parent as moved
    from hooks as h
    inner join hooks as p on p.v = h.parent
)

select * from final
