-- grain: (DDL) one staging table per target of a load, empty, shaped like its target
-- A file is validated chunk by chunk into these tables, each chunk committed on its own so
-- that DuckDB frees the chunk's working tables; nothing of the file reaches events,
-- quarantine or identity_edges until staging_publish moves it there in one transaction.
-- Replaced at the start of every load: tables left by a load that was killed are stale.
create or replace table jm_internal.staged_events as
select * from events limit 0;

create or replace table jm_internal.staged_quarantine as
select * from quarantine limit 0;

create or replace table jm_internal.staged_identity_edges as
select * from jm_internal.identity_edges limit 0;
