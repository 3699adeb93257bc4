-- grain: one row per identifier node
-- One round of connected components: each node takes the smallest label among itself and its
-- neighbours, then jumps to its label's label (pointer jumping halves the rounds needed).
-- Repeated until no label changes; the final label is the component's smallest node.
-- Inputs: jm_labels (node, label), jm_internal.identity_edges.
with
edges as (
    select node_a as src, node_b as dst from jm_internal.identity_edges
    union all
    select node_b, node_a from jm_internal.identity_edges
),

neighbour_min as (
    select e.src as node, min(l.label) as label
    from edges as e
    inner join jm_labels as l on l.node = e.dst
    group by e.src
),

propagated as (
    select
        l.node,
        case when n.label < l.label then n.label else l.label end as label
    from jm_labels as l
    left join neighbour_min as n on n.node = l.node
),

final as (
    select
        p.node,
        case when j.label < p.label then j.label else p.label end as label
    from propagated as p
    left join propagated as j on j.node = p.label
)

select * from final
