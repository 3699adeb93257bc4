-- Moves one load's staged rows into the warehouse; run inside the load's one transaction,
-- with its loads row. The staged rows are already new: deduplicated within the file and
-- against what was loaded before (int_new_events), the links against the queue
-- (load_identity_edges). The links join jm_internal.identity_edges when they are stitched.
-- Inputs: jm_staged_events, jm_staged_quarantine, jm_staged_identity_edges.
insert into events
select * from jm_staged_events;

insert into quarantine
select * from jm_staged_quarantine;

-- the next stitch starts from these
insert into jm_internal.unstitched_edges
select node_a, node_b from jm_staged_identity_edges;
