-- grain: one row per pair of distinct nodes (a < b) of incremental stitching's graph
-- The links loaded since the last stitch, and each component they touch as a star around its
-- label (its smallest node): the same components as all links ever loaded, over far fewer
-- edges. A component's smallest node stays its label unless a smaller one joins it, so the
-- customer ids are those a full stitch computes.
-- Inputs: jm_internal.unstitched_edges, jm_labels (the delta's nodes, with their old labels).
with
new_links as (
    select node_a, node_b from jm_internal.unstitched_edges
),

stars as (
    select node as node_a, old_label as node_b
    from jm_labels
    where old_label is not null
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
