-- grain: one row per pair of distinct roots still linked (a < b)
-- The contracted graph for the next round: every edge between the roots of its ends; edges
-- inside one tree disappear. Empty when every component is a single root.
-- Inputs: jm_cc_edges (a, b), jm_cc_hooks (v, parent = root).
with
edges as (
    select a, b from jm_cc_edges
),

roots as (
    select v, parent from jm_cc_hooks
),

mapped as (
    select
        ra.parent as a,
        rb.parent as b
    from edges as e
    inner join roots as ra on ra.v = e.a
    inner join roots as rb on rb.v = e.b
),

final as (
    select distinct
        least(a, b) as a,
        greatest(a, b) as b
    from mapped
    where a <> b
)

select * from final
