-- grain: one row per identifier node
-- The stitched customer: a pseudonymous id derived from the component's smallest node, so it is
-- the same in every run on the same data and secret.
-- Inputs: jm_labels (converged: every node of the stitched graph, full or incremental).
with
labels as (
    select node, label from jm_labels
),

final as (
    select node, 'cus_' || left(sha256('customer:' || label), 20) as customer_id, label
    from labels
)

select * from final
