-- grain: one row per pair of distinct nodes (a < b) of incremental stitching's graph
-- The links loaded since the last stitch, and each component they touch as a star around its
-- label (its smallest node): the same components as all links ever loaded, over far fewer
-- edges. A component's smallest node stays its label unless a smaller one joins it, so the
-- customer ids are those a full stitch computes.
-- Inputs: jm_internal.unstitched_edges, jm_internal.customer_map, jm_labels (the delta's nodes).
with
new_links as (
    select node_a, node_b from jm_internal.unstitched_edges
),

stars as (
    select m.node as node_a, m.label as node_b
    from jm_internal.customer_map as m
    inner join jm_labels as l on l.node = m.node
),

links as (
    select node_a, node_b from new_links
    union all
    select node_a, node_b from stars
),

final as (
    select distinct
        least(node_a, node_b) as a,
        greatest(node_a, node_b) as b
    from links
    where node_a <> node_b
)

select * from final
