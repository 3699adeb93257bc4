-- Re-points events at their stitched customer; only rows whose customer changed are written,
-- so a run that links earlier anonymous events to a customer updates just those (retroactive).
-- merge, not update ... from: Spark (Delta, Iceberg) has merge but no update with a from clause.
-- A full stitch's: an incremental one re-points the few events it moves by row id
-- (identity._repoint_events).
-- Inputs: jm_stitched (the customer of every node).
merge into events
using (select node, customer_id from jm_stitched) as m
    on events.identity_key = m.node
when matched and events.customer_id is distinct from m.customer_id then
    update set customer_id = m.customer_id
