-- grain: one row per vertex of the current contracted graph
-- One round of connected components: every vertex hooks onto the smallest of itself and its
-- neighbours. The largest vertex of every edge hooks onto a smaller one, so each round
-- removes at least one vertex and the rounds always end; in practice they are few, because
-- the graph is contracted between rounds (int_cc_contract).
-- Inputs: jm_cc_edges (a, b) with a < b.
with
edges as (
    select a, b from jm_cc_edges
),

directed as (
    select a as v, b as w from edges
    union all
    select b as v, a as w from edges
),

final as (
    select
        v,
        least(v, min(w)) as parent
    from directed
    group by v
)

select * from final
