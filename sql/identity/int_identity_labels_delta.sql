-- grain: one row per identifier node that incremental stitching relabels
-- The nodes whose customer today's data can change: both ends of every link loaded since the
-- last stitch, the identity keys of events not stitched yet, and every node of the components
-- they touch. Every node starts labelled with itself.
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

members as (
    select m.node
    from jm_internal.customer_map as m
    inner join touched_labels as l on l.label = m.label
),

nodes as (
    select node from touched
    union
    select node from members
),

final as (
    select node, node as label from nodes
)

select * from final
