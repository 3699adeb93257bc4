-- grain: (DDL) one staging table per target of a load, empty, shaped like its target
-- A file is validated chunk by chunk into these tables, each chunk committed on its own so
-- that DuckDB frees the chunk's working tables; nothing of the file reaches events,
-- quarantine or identity_edges until staging_publish moves it there in one transaction.
-- Temporary: they live only as long as the connection (spilling to DuckDB's temp directory
-- when large), so a killed load leaves nothing behind, and the rows are written to the
-- database file once, by staging_publish, not twice. Replaced at the start of every load.
create or replace temp table jm_staged_events as
select * from events limit 0;

create or replace temp table jm_staged_quarantine as
select * from quarantine limit 0;

create or replace temp table jm_staged_identity_edges as
select * from jm_internal.identity_edges limit 0;
