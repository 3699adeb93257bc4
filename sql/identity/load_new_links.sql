-- Files the links queued since the last stitch into jm_internal.identity_edges, each pair
-- once: a link seen again on a later night (a returning customer's login pairs the same
-- cookie and user id) is queued again, because a load only looks it up in the queue, and is
-- skipped here. A full stitch's: one scan of every link stitched before (an incremental
-- stitch files int_new_links instead, which reads none). Runs in the stitch's transaction,
-- which then empties the queue.
-- Inputs: jm_internal.unstitched_edges, jm_internal.identity_edges.
insert into jm_internal.identity_edges
with
queued as (
    select distinct node_a, node_b from jm_internal.unstitched_edges
),

final as (
    select q.node_a, q.node_b
    from queued as q
    where not exists (
            select 1
            from jm_internal.identity_edges as e
            where e.node_a = q.node_a and e.node_b = q.node_b
        )
)

select * from final
