-- grain: one row per identifier node that incremental stitching relabels
-- The nodes whose customer today's data can change: both ends of every link loaded since the
-- last stitch, the identity keys of events not stitched yet, and every node of the components
-- they touch. Every node starts labelled with itself. old_label: the label of the component
-- the node was in (null for a node new to the graph): int_cc_edges_delta makes each old
-- component a star around it without reading customer_map again.
-- Inputs: jm_internal.unstitched_edges, events, jm_internal.customer_map.
with
touched as (
    select node_a as node from jm_internal.unstitched_edges
    union
    select node_b from jm_internal.unstitched_edges
    union
    select identity_key from events where customer_id is null and identity_key is not null
),

touched_labels as (
    select distinct m.label
    from jm_internal.customer_map as m
    inner join touched as t on t.node = m.node
),

-- every node of a touched component (a touched node already in the graph is one of them)
members as (
    select m.node, m.label as old_label
    from jm_internal.customer_map as m
    inner join touched_labels as l on l.label = m.label
),

nodes as (
    select coalesce(m.node, t.node) as node, m.old_label
    from members as m
    full outer join touched as t on t.node = m.node
),

final as (
    select node, node as label, old_label from nodes
)

select * from final
