-- Stages the links between identifiers seen together on the chunk's new events
-- (cookie and user id at login, click id on a landing page, email on an order...) that
-- neither the links queued since the last stitch nor an earlier chunk of the file has. The
-- chunk's pairs are made distinct first, so that DuckDB builds its anti-joins on them and
-- only scans the queue. Links stitched on earlier nights are not looked up here: that table
-- grows with all history, and each file would scan it; the stitch files the queue's new
-- links once a night (identity/load_new_links).
-- Inputs: jm_stg_new, jm_internal.unstitched_edges, jm_staged_identity_edges.
insert into jm_staged_identity_edges
with
pairs as (
    select identity_key as node_a, n_user as node_b from jm_stg_new where not is_duplicate
    union all
    select identity_key, n_email from jm_stg_new where not is_duplicate
    union all
    select identity_key, n_cookie from jm_stg_new where not is_duplicate
    union all
    select identity_key, n_click from jm_stg_new where not is_duplicate
    union all
    select identity_key, n_handle from jm_stg_new where not is_duplicate
    union all
    select identity_key, n_phone from jm_stg_new where not is_duplicate
    union all
    select identity_key, n_session from jm_stg_new where not is_duplicate
),

linked as (
    select distinct node_a, node_b
    from pairs
    where node_b is not null
        and node_b <> node_a
),

final as (
    select l.node_a, l.node_b
    from linked as l
    where not exists (
            select 1
            from jm_internal.unstitched_edges as e
            where e.node_a = l.node_a and e.node_b = l.node_b
        )
        and not exists (
            select 1
            from jm_staged_identity_edges as s
            where s.node_a = l.node_a and s.node_b = l.node_b
        )
)

select * from final
