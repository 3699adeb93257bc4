-- Stages the links between identifiers seen together on the chunk's new events
-- (cookie and user id at login, click id on a landing page, email on an order...) that
-- neither the warehouse nor an earlier chunk of the file has. The chunk's pairs are made
-- distinct first, so that DuckDB builds its anti-joins on them and only scans the edges known.
-- Inputs: jm_stg_new, jm_internal.identity_edges, jm_staged_identity_edges.
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
            from jm_internal.identity_edges as e
            where e.node_a = l.node_a and e.node_b = l.node_b
        )
        and not exists (
            select 1
            from jm_staged_identity_edges as s
            where s.node_a = l.node_a and s.node_b = l.node_b
        )
)

select * from final
