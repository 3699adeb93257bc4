-- grain: one row per identifier node
-- Every node follows its label to that label's root after this round's hooking.
-- Inputs: jm_labels (node, label), jm_cc_hooks (v, parent = root).
with
labels as (
    select node, label from jm_labels
),

roots as (
    select v, parent from jm_cc_hooks
),

final as (
    select
        l.node,
        coalesce(r.parent, l.label) as label
    from labels as l
    left join roots as r on r.v = l.label
)

select * from final
