-- The warehouse's tables. Analyst-facing tables live in the main schema; journeymine's own
-- bookkeeping lives in schema jm_internal. Created if missing, never dropped.

-- grain: one row per file and load attempt
create table if not exists loads (
    load_id bigint not null,
    source varchar not null,
    file varchar not null,
    sha256 varchar not null,
    bytes bigint not null,
    status varchar not null,            -- 'loaded' or 'failed'
    rows_read bigint,                   -- = rows_loaded + rows_rejected + rows_duplicate
    rows_loaded bigint,
    rows_rejected bigint,
    rows_duplicate bigint,
    error varchar,                      -- why a failed load failed
    started_at timestamp not null,
    finished_at timestamp not null
);

-- grain: one row per accepted event
create table if not exists events (
    event_id varchar not null,          -- the source's id, or 'sha256:' + payload hash
    source varchar not null,
    channel varchar not null,           -- web, social or chat
    occurred_at timestamp not null,     -- UTC
    customer_id varchar,                -- stitched pseudonymous customer
    touchpoint varchar,                 -- null: kept, but not a journey step
    event_name varchar,
    session_id varchar,                 -- web session or chat conversation
    attributes json,                    -- pseudonymised and redacted
    identity_key varchar,               -- the keyed hash that ties the event to its customer
    load_id bigint not null,
    record_no bigint not null           -- line (JSON lines) or data row (CSV, Parquet)
);

-- grain: one row per rejected record
create table if not exists quarantine (
    load_id bigint not null,
    source varchar not null,
    file varchar not null,
    record_no bigint,                   -- line (JSON lines) or data row (CSV, Parquet)
    raw_record varchar,                 -- the record as text, PII redacted
    reason_code varchar not null,
    reason varchar not null,
    quarantined_at timestamp not null,
    record_key varchar                  -- keyed hash of the record: a re-delivery is a duplicate
);

-- warehouses created before record_key existed
alter table quarantine add column if not exists record_key varchar;

-- the file's modification time (ns since 1970) when it was read: a file whose path, size and
-- modification time are those of a loaded one is skipped without being read again
alter table loads add column if not exists modified_ns bigint;

-- grain: one row per nightly run: what it did and how it ended (journeymine.ledger);
-- parameters, sources_without_files, rows_by_source, periods_recomputed, seconds_by_stage
-- and versions are JSON text
create table if not exists runs (
    run_id varchar not null,            -- the Prefect flow run id when there is one
    started_at timestamp not null,
    finished_at timestamp,
    status varchar not null,            -- running, success, partial (a source failed), failed
    parameters varchar,
    files_loaded bigint,
    files_skipped bigint,
    files_failed bigint,
    sources_without_files varchar,
    rows_by_source varchar,             -- JSON: source -> read, loaded, rejected, duplicate
    periods_recomputed varchar,         -- grain -> periods whose history was rewritten
    seconds_by_stage varchar,
    flags bigint,
    peak_memory_mb double,
    versions varchar,                   -- journeymine's and its main dependencies'
    note varchar
);

create schema if not exists jm_internal;

-- grain: one row per pair of identifiers seen on the same event
create table if not exists jm_internal.identity_edges (
    node_a varchar not null,
    node_b varchar not null
);

-- grain: one row per identifier node: the customer it belongs to
create table if not exists jm_internal.customer_map (
    node varchar not null,
    customer_id varchar not null,
    label varchar                       -- the component's smallest node (customer_id's source)
);

-- warehouses stitched before label existed (their next stitch is a full one)
alter table jm_internal.customer_map add column if not exists label varchar;

-- grain: one row per identity link loaded but not stitched yet (the next stitch's work)
create table if not exists jm_internal.unstitched_edges (
    node_a varchar not null,
    node_b varchar not null
);

-- grain: one row per customer and stitch that changed the customer's events since journeys
-- were last built (new events, or events re-pointed by stitching, under the old and the new
-- customer id). since: the earliest time among those events (null: every journey is
-- rebuilt); lost_events: some of them left the customer for another.
create table if not exists jm_internal.pending_customers (
    customer_id varchar not null
);
alter table jm_internal.pending_customers add column if not exists since timestamp;
alter table jm_internal.pending_customers add column if not exists lost_events boolean;

-- grain: one row per variant: its token replay on the designed map (map_fingerprint), kept
-- across runs so a night replays only variants it has not replayed on this map
create table if not exists jm_internal.variant_replay (
    variant_id varchar not null,
    map_fingerprint varchar not null,
    fitness double,
    missing_tokens bigint,
    consumed_tokens bigint,
    remaining_tokens bigint,
    produced_tokens bigint
);

-- grain: one row per key: what the current journeys and mining tables were built with
-- (a fingerprint of the map and settings); a different fingerprint means a full rebuild
create table if not exists jm_internal.build_state (
    key varchar not null,
    value varchar not null
);

-- The mining's intermediate models (int_*) live in jm_internal; warehouses mined before they
-- moved there still hold them in the analysts' schema.
drop table if exists main.int_moves;
drop table if exists main.int_journeys;
drop table if exists main.int_variants;
drop table if exists main.int_node_visits;
drop table if exists main.int_journey_segments;

-- Loads staged into these persistent tables before they became temporary; a load killed
-- then left them behind.
drop table if exists jm_internal.staged_events;
drop table if exists jm_internal.staged_quarantine;
drop table if exists jm_internal.staged_identity_edges;
