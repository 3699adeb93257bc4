-- grain: one row per pair of distinct identifier nodes seen together (a < b)
-- The graph whose connected components are the customers, before any contraction: the
-- links stitched before and those queued since (filed into identity_edges by this stitch).
-- Inputs: jm_internal.identity_edges, jm_internal.unstitched_edges.
with
edges as (
    select node_a, node_b from jm_internal.identity_edges
    union all
    select node_a, node_b from jm_internal.unstitched_edges
),

final as (
    select distinct
        least(node_a, node_b) as a,
        greatest(node_a, node_b) as b
    from edges
    where node_a <> node_b
)

select * from final
