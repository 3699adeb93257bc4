-- grain: one row per link queued since the last stitch that an incremental stitch files
-- A link both of whose identifiers were already one customer (the same old label: a
-- returning customer's login pairs the same cookie and user id again) adds nothing to the
-- graph and is not filed. Every other link brings an identifier new to the graph or joins
-- two components, so it cannot have been filed before: no link of all history is read to
-- keep each pair once (a full stitch files the queue with load_new_links instead).
-- Inputs: jm_internal.unstitched_edges, jm_labels (every node of both ends, with its old
-- label, before the rounds).
with
queued as (
    select distinct node_a, node_b from jm_internal.unstitched_edges
),

final as (
    select q.node_a, q.node_b
    from queued as q
    inner join jm_labels as a on a.node = q.node_a
    inner join jm_labels as b on b.node = q.node_b
    where a.old_label is null or b.old_label is null or a.old_label <> b.old_label
)

select * from final
