-- grain: one row per identifier node
-- Every node starts labelled with itself. Nodes are the events' identity keys and both ends
-- of every identity link, stitched before or queued since.
-- Inputs: events, jm_internal.identity_edges, jm_internal.unstitched_edges.
with
nodes as (
    select identity_key as node from events where identity_key is not null
    union
    select node_a from jm_internal.identity_edges
    union
    select node_b from jm_internal.identity_edges
    union
    select node_a from jm_internal.unstitched_edges
    union
    select node_b from jm_internal.unstitched_edges
),

final as (
    select node, node as label from nodes
)

select * from final
