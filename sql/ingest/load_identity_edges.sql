-- Appends the links between identifiers seen together on the file's new events
-- (cookie and user id at login, click id on a landing page, email on an order...).
-- Inputs: jm_stg_new, jm_internal.identity_edges.
insert into jm_internal.identity_edges
with
pairs as (
    select identity_key as node_a, n_user as node_b from jm_stg_new
    union all select identity_key, n_email from jm_stg_new
    union all select identity_key, n_cookie from jm_stg_new
    union all select identity_key, n_click from jm_stg_new
    union all select identity_key, n_handle from jm_stg_new
    union all select identity_key, n_phone from jm_stg_new
    union all select identity_key, n_session from jm_stg_new
),

final as (
    select distinct p.node_a, p.node_b
    from pairs as p
    where p.node_b is not null
        and p.node_b <> p.node_a
        and not exists (
            select 1
            from jm_internal.identity_edges as e
            where e.node_a = p.node_a and e.node_b = p.node_b
        )
)

select * from final
