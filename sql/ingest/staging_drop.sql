-- (DDL) Removes a load's staging tables once the load is published or has failed.
drop table if exists jm_staged_events;

drop table if exists jm_staged_quarantine;

drop table if exists jm_staged_identity_edges;
