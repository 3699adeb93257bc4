-- Moves one load's staged rows into the warehouse; run inside the load's one transaction,
-- with its loads row. The staged rows are already new: deduplicated within the file and
-- against what was loaded before (int_new_events, load_identity_edges).
-- Inputs: jm_staged_events, jm_staged_quarantine,
-- jm_staged_identity_edges (also queued in jm_internal.unstitched_edges).
insert into events
select * from jm_staged_events;

insert into quarantine
select * from jm_staged_quarantine;

insert into jm_internal.identity_edges
select * from jm_staged_identity_edges;

-- the next stitch starts from these
insert into jm_internal.unstitched_edges
select node_a, node_b from jm_staged_identity_edges;
