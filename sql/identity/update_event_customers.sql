-- Re-points events at their stitched customer; only rows whose customer changed are written,
-- so a run that links earlier anonymous events to a customer updates just those (retroactive).
-- merge, not update ... from: Spark (Delta, Iceberg) has merge but no update with a from clause.
-- Inputs: jm_stitched (the customer of every node this stitch labelled).
merge into events
using jm_stitched as m
    on events.identity_key = m.node
when matched and events.customer_id is distinct from m.customer_id then
    update set customer_id = m.customer_id
