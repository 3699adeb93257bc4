-- Re-points events at their stitched customer; only rows whose customer changed are written,
-- so a run that links earlier anonymous events to a customer updates just those (retroactive).
-- Inputs: jm_internal.customer_map.
update events
set customer_id = m.customer_id
from jm_internal.customer_map as m
where events.identity_key = m.node
    and events.customer_id is distinct from m.customer_id
