"""Load one file into the warehouse, all or nothing.

Every record of the file ends in exactly one of ``events``, ``quarantine`` or the duplicate
count, so ``rows_read = rows_loaded + rows_rejected + rows_duplicate``. A file whose sha256
was loaded before is skipped (checked again when it is published: the loads of several sources
run side by side, see ``journeymine.ingest.ingest_sources``). A file that cannot be read leaves
no rows behind, only a failed ``loads`` row with its error; the next run tries it again.

Memory is bounded by a chunk, not the file: each chunk of about ``CHUNK_ROWS`` records is
validated in temporary tables and its results appended to the load's temporary staging
tables (``jm_staged_*``) in transactions of their own, so DuckDB frees the chunk's working
tables as soon as they are dropped. (Inside one transaction spanning the file it could not:
every replaced version is kept until commit, for a rollback, and memory grew with the file.)
The staged rows then move into ``events``, ``quarantine`` and the stitch's queue of links
(``jm_internal.unstitched_edges``) together with the ``loads`` row in one short transaction,
where DuckDB writes large appends straight to the database file. Until that commit nothing
of the file is visible; a failed load drops its staging tables, a killed one loses them with
its connection.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa

from journeymine import sql
from journeymine.config import FIELDS, IDENTIFIER_FIELDS, PII_FIELDS, Source
from journeymine.errors import IngestError
from journeymine.ingest import readers
from journeymine.pii import HmacKey
from journeymine.tables import replace_table

Status = Literal["loaded", "failed", "skipped"]

log = logging.getLogger("journeymine.ingest")
PROGRESS_EVERY = 1_000_000  # rows between progress lines on a large file
CHUNK_ROWS = 1_000_000  # records validated and loaded at a time: bounds memory on big files

_TIMESTAMP_HELP = {
    "iso8601": "ISO 8601 such as 2026-03-01T10:00:00+01:00, ...Z, or with a zone name such as "
    "Europe/Paris or an unambiguous abbreviation such as EST; times without any are read in "
    "the source's timezone",
    "epoch_s": "seconds since 1970-01-01 UTC",
    "epoch_ms": "milliseconds since 1970-01-01 UTC",
}

_STAGE_TABLES = (
    "jm_stg_input",
    "jm_stg_fields",
    "jm_stg_validated",
    "jm_stg_texts",
    "jm_stg_rejects",
    "jm_stg_new",
    "jm_rules",
    "jm_invalid_adj",
    "jm_invalid_rows",
)

# one publish at a time in this process: the loads of several sources run side by side
# (journeymine.ingest.ingest_sources), and a file whose content another load published while
# this one was validating is then skipped, as it would have been one load after the other
_PUBLISHING = threading.Lock()


@dataclass(frozen=True)
class FileLoad:
    """What happened to one file."""

    source: str
    file: str
    sha256: str
    status: Status
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    error: str | None = None
    load_id: int | None = None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _json_path(dotted: str) -> str:
    """``customer.email`` -> ``$."customer"."email"``."""
    return "$." + ".".join('"' + part.replace('"', '\\"') + '"' for part in dotted.split("."))


_NEVER = '$."__journeymine_unmapped__"'

# The keys sql/ingest/load_events.sql writes into events.attributes before the configured ones.
EVENT_ATTRIBUTES = (
    "url", "url_path", "referrer", "user_agent", "ip_network", "intent", "interaction", "csat",
    "text",
)  # fmt: skip


def _check_attributes(source: Source, name: str) -> None:
    """A configured attribute becomes a key of ``events.attributes``: one that repeats, or
    that has the name of a key journeymine writes itself, would make the object ambiguous."""
    clashes = [a for a in source.attributes if a in EVENT_ATTRIBUTES]
    repeated = sorted({a for a in source.attributes if source.attributes.count(a) > 1})
    if clashes or repeated:
        found = ", ".join(
            [f"{a!r} is a key journeymine writes itself" for a in clashes]
            + [f"{a!r} is listed twice" for a in repeated]
        )
        raise IngestError(
            name,
            f"attributes of source {source.name!r}: {found} (not allowed as attributes: "
            f"{', '.join(EVENT_ATTRIBUTES)}; each attribute once)",
        )


def source_params(source: Source, key: HmacKey) -> dict[str, Any]:
    """The bound parameters that describe ``source`` to the ingestion models."""
    by_field = source.fields
    pii_columns = [by_field[f] for f in PII_FIELDS if f in by_field]
    # in JSON text a key is the last segment of its path; in a CSV row, the column name
    pii_keys = [c.split(".")[-1] if source.format == "jsonl" else c for c in pii_columns]
    fmt = source.timestamp_format
    return {
        "source": source.name,
        "timestamp_format": fmt,
        "timezone": source.timezone,
        "timestamp_column": by_field["occurred_at"],
        "event_name_column": by_field["event_name"],
        "identifier_columns": ", ".join(
            f"{f} <- {by_field[f]}" for f in IDENTIFIER_FIELDS if f in by_field
        )
        + (
            f", click_id <- URL parameter {source.click_id_url_param}"
            if source.click_id_url_param
            else ""
        ),
        "timestamp_help": _TIMESTAMP_HELP.get(fmt, f"the strptime pattern {fmt}"),
        "click_id_param": re.escape(source.click_id_url_param or "__journeymine_none__"),
        "phone_region": source.phone_region or "",
        "unmatched": source.unmatched,
        "ipad": key.ipad_hex,
        "opad": key.opad_hex,
        "pii_keys": "|".join(re.escape(k) for k in pii_keys) or "__journeymine_none__",
        "channel": source.channel,
        "attr_names": list(source.attributes),
        # a CSV or Parquet row's columns, and where each one's value is in fields + attributes
        "record_columns": source.columns(),
        "record_positions": _record_positions(source),
    }


def _record_positions(source: Source) -> list[int]:
    """For each of ``source.columns()``, its 1-based position in the list of unified fields
    (``config.FIELDS``) followed by the attributes: where jm_record_text finds its value."""
    by_column: dict[str, int] = {}
    for i, field in enumerate(FIELDS, 1):
        if field in source.fields:
            by_column.setdefault(source.fields[field], i)
    for i, attribute in enumerate(source.attributes, len(FIELDS) + 1):
        by_column.setdefault(attribute, i)
    return [by_column[column] for column in source.columns()]


def _rules_table(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    rules = source.touchpoints
    table = pa.table(
        {
            "rule_no": pa.array(range(1, len(rules) + 1), pa.int64()),
            "touchpoint": pa.array([r.touchpoint for r in rules], pa.string()),
            "event_name": pa.array([r.event_name for r in rules], pa.string()),
            "url_path": pa.array([r.url_path for r in rules], pa.string()),
            "intent": pa.array([r.intent for r in rules], pa.string()),
            "interaction": pa.array([r.interaction for r in rules], pa.string()),
        }
    )
    replace_table(con, "jm_rules", table, temp=True)


@dataclass
class _Tally:
    read: int = 0
    rejected: int = 0
    loaded: int = 0
    duplicate: int = 0


def _input_model(reading: readers.Reading, source: Source) -> tuple[str, dict[str, Any]]:
    if reading.kind == "tabular":
        return f"insert into jm_stg_input {sql.load('ingest/input_tabular')}", {}
    paths = [_json_path(source.fields[f]) if f in source.fields else _NEVER for f in FIELDS]
    return f"insert into jm_stg_input {sql.load('ingest/input_jsonl')}", {
        "field_paths": paths,
        "attr_paths": [_json_path(a) for a in source.attributes],
    }


def _new_stage(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create or replace temp table jm_stg_input (seq bigint, record_no bigint, raw varchar, "
        "parse_error varchar, fields varchar[], attr_values varchar[])"
    )


def _load_in_chunks(
    con: duckdb.DuckDBPyConnection, path: Path, source: Source, params: dict[str, Any]
) -> _Tally:
    """Read, validate and stage the file chunk by chunk (about CHUNK_ROWS records each), each
    statement committed on its own, so memory is bounded by a chunk, not the file."""
    reading = readers.read(path, source)
    insert, input_params = _input_model(reading, source)
    tally = _Tally()
    invalid_seen = 0
    staged, next_report = 0, PROGRESS_EVERY
    _new_stage(con)
    with contextlib.closing(readers.prefetched(reading.batches)) as batches:
        for batch in batches:
            con.register("jm_batch", batch)
            sql.execute(con, insert, input_params)
            con.unregister("jm_batch")
            staged += batch.num_rows
            if tally.read + staged >= next_report:
                log.info("%s: %s rows read so far", path.name, f"{tally.read + staged:,}")
                next_report += PROGRESS_EVERY
            if staged >= CHUNK_ROWS:
                invalid_seen = _load_chunk(con, reading, invalid_seen, params, tally)
                staged = 0
    _load_chunk(con, reading, invalid_seen, params, tally)
    return tally


def _load_chunk(
    con: duckdb.DuckDBPyConnection,
    reading: readers.Reading,
    invalid_seen: int,
    params: dict[str, Any],
    tally: _Tally,
) -> int:
    """Number, validate and stage what was read; returns how many invalid records are done."""
    # Each working table is dropped as soon as the steps that read it are done: outside a
    # transaction, DuckDB frees it at once. The records as read (jm_stg_input) are kept until
    # the rejected ones and those without an event id have been written out as text.
    # A copy: the reader, a batch or two ahead (readers.prefetched), may add to the list
    # meanwhile; what it adds is staged with the next chunk (a rejected record further on
    # never changes an earlier record's number).
    invalid = list(reading.invalid)
    _number_records(con, invalid, invalid_seen, numbered=reading.numbered)
    sql.create_table_as(con, "jm_stg_fields", "ingest/int_fields", params, temp=True)
    sql.create_table_as(con, "jm_stg_validated", "ingest/int_records", params, temp=True)
    con.execute("drop table jm_stg_fields")
    # Every count is measured on its own set: records read, rows that reached the staged
    # quarantine and events (their growth), duplicates flagged. The identity is then a check.
    read = _count(con, "jm_stg_validated")
    quarantined_before, events_before = _staged_counts(con)
    sql.create_table_as(con, "jm_stg_texts", "ingest/int_texts", params, temp=True)
    sql.create_table_as(con, "jm_stg_rejects", "ingest/int_rejects", params, temp=True)
    sql.run(con, "ingest/load_quarantine", params)
    sql.create_table_as(con, "jm_stg_new", "ingest/int_new_events", params, temp=True)
    con.execute("drop table jm_stg_validated")
    _new_stage(con)  # the records as read: rejected ones and those without an event id done
    sql.run(con, "ingest/load_events", params)
    con.execute("drop table jm_stg_texts")
    sql.run(con, "ingest/load_identity_edges")
    duplicates = _count(con, "jm_stg_new", "is_duplicate") + _count(
        con, "jm_stg_rejects", "is_duplicate"
    )
    con.execute("drop table jm_stg_new")
    con.execute("drop table jm_stg_rejects")
    quarantined_after, events_after = _staged_counts(con)
    rejected = quarantined_after - quarantined_before
    loaded = events_after - events_before
    if read != loaded + rejected + duplicates:
        raise IngestError(
            params["file"],
            f"records do not add up: {read} read, but {loaded} loaded + {rejected} rejected + "
            f"{duplicates} duplicate; nothing of the file was kept (a journeymine bug: please "
            "report it)",
        )
    tally.read += read
    tally.rejected += rejected
    tally.loaded += loaded
    tally.duplicate += duplicates
    return len(invalid)


def _count(con: duckdb.DuckDBPyConnection, table: str, where: str = "true") -> int:
    """Rows of one of the load's own working tables (never user input)."""
    return int(con.execute(f"select count(*) from {table} where {where}").fetchall()[0][0])


def _staged_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    return (
        _count(con, "jm_staged_quarantine"),
        _count(con, "jm_staged_events"),
    )


def _number_records(
    con: duckdb.DuckDBPyConnection,
    invalid: list[readers.InvalidRecord],
    invalid_seen: int,
    *,
    numbered: bool,
) -> None:
    """Give the staged parsed rows their record number, around the rows the parser rejected,
    and stage the rejected rows found since the last chunk.

    A reader that numbers its records itself (``numbered``) gives it as ``seq``. Otherwise
    the i-th parsed row is row i + |{j : numbers[j] - j <= i}| (numbers sorted, j from 0). A
    rejected row further on never changes an earlier row's number, so the rejected rows
    found so far are enough for every row staged so far.
    """
    numbers = sorted(r.record_no for r in invalid if r.record_no is not None)
    if numbered or not numbers:
        con.execute("update jm_stg_input set record_no = seq where seq is not null")
    else:
        adj = pa.table({"v": pa.array([n - j for j, n in enumerate(numbers)], pa.int64())})
        replace_table(con, "jm_invalid_adj", adj, temp=True)
        con.execute(
            "update jm_stg_input set record_no = seq + "
            "(select count(*) from jm_invalid_adj as a where a.v <= jm_stg_input.seq) "
            "where seq is not null"
        )
    new = invalid[invalid_seen:]
    if new:
        rows = pa.table(
            {
                "record_no": pa.array([r.record_no for r in new], pa.int64()),
                "raw": pa.array([r.text for r in new], pa.string()),
                "parse_error": pa.array([r.reason for r in new], pa.string()),
            }
        )
        replace_table(con, "jm_invalid_rows", rows, temp=True)
        con.execute(
            "insert into jm_stg_input (record_no, raw, parse_error) "
            "select record_no, raw, parse_error from jm_invalid_rows"
        )


def next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("select coalesce(max(load_id), 0) + 1 from loads").fetchall()[0][0])


def _insert_load(
    con: duckdb.DuckDBPyConnection, row: FileLoad, size: int, modified_ns: int, started: datetime
) -> None:
    con.execute(
        "insert into loads (load_id, source, file, sha256, bytes, status, rows_read, "
        "rows_loaded, rows_rejected, rows_duplicate, error, started_at, finished_at, "
        "modified_ns) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            row.load_id,
            row.source,
            row.file,
            row.sha256,
            size,
            row.status,
            row.rows_read if row.status == "loaded" else None,
            row.rows_loaded if row.status == "loaded" else None,
            row.rows_rejected if row.status == "loaded" else None,
            row.rows_duplicate if row.status == "loaded" else None,
            row.error,
            started,
            _now(),
            modified_ns,
        ],
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _loaded_as(
    con: duckdb.DuckDBPyConnection, name: str, size: int, modified_ns: int
) -> str | None:
    """The hash of a loaded file with this path, size and modification time, if any."""
    rows = con.execute(
        "select min(sha256) from loads where status = 'loaded' "
        "and file = ? and bytes = ? and modified_ns = ?",
        [name, size, modified_ns],
    ).fetchall()
    return rows[0][0] if rows else None


def already_loaded(con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    rows = con.execute(
        "select count(*) from loads where sha256 = ? and status = 'loaded'", [sha256]
    ).fetchall()
    return bool(rows[0][0])


def load_file(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    key: HmacKey,
    *,
    display_name: str | None = None,
    load_id: int | None = None,
) -> FileLoad:
    """Load one file of ``source``; never raises for a bad file, only records the failure.
    ``load_id``: the id reserved for the file (``reserve_load_ids``); by default the next one."""
    name = display_name or str(path)
    stat = path.stat()
    size, modified_ns = stat.st_size, stat.st_mtime_ns
    # a file loaded before and untouched since is not read again (hashing every file of a
    # year of deliveries every night would cost what the history costs)
    known = _loaded_as(con, name, size, modified_ns)
    if known is not None:
        return FileLoad(source.name, name, known, "skipped")
    digest = sha256_of(path)
    if already_loaded(con, digest):
        return FileLoad(source.name, name, digest, "skipped")
    started = _now()
    params = source_params(source, key)
    if load_id is None:
        load_id = next_load_id(con)
    params |= {"load_id": load_id, "file": name, "now": started}
    try:
        _check_attributes(source, name)
        sql.run(con, "ingest/staging_create")
        _rules_table(con, source)
        tally = _load_in_chunks(con, path, source, params)
        result = FileLoad(
            source=source.name,
            file=name,
            sha256=digest,
            status="loaded",
            rows_read=tally.read,
            rows_loaded=tally.loaded,
            rows_rejected=tally.rejected,
            rows_duplicate=tally.duplicate,
            load_id=load_id,
        )
        if not _publish(con, result, size, modified_ns, started):
            return FileLoad(source.name, name, digest, "skipped")
    except IngestError as exc:
        return _record_failure(
            con, source, name, digest, size, modified_ns, started, exc.reason, load_id
        )
    except duckdb.Error as exc:
        # DuckDB's messages may quote the data ("Input: ..."): keep what happened, not what
        reason = str(exc).splitlines()[0].split(" Input:")[0].split(' "')[0]
        return _record_failure(
            con, source, name, digest, size, modified_ns, started,
            f"database error: {reason[:200]}", load_id,
        )  # fmt: skip
    finally:
        _drop_stage(con)
    return result


def _publish(
    con: duckdb.DuckDBPyConnection,
    result: FileLoad,
    size: int,
    modified_ns: int,
    started: datetime,
) -> bool:
    """Move the staged file into the warehouse with its ``loads`` row: the file's one
    transaction, all of it or nothing. False, and nothing written, when a file of the same
    content was published meanwhile (by another source's load, running beside this one)."""
    with _PUBLISHING:
        con.execute("begin transaction")
        try:
            if already_loaded(con, result.sha256):
                con.execute("rollback")
                return False
            sql.run(con, "ingest/staging_publish")
            _insert_load(con, result, size, modified_ns, started)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return True


def _record_failure(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    name: str,
    digest: str,
    size: int,
    modified_ns: int,
    started: datetime,
    error: str,
    load_id: int,
) -> FileLoad:
    failed = FileLoad(source.name, name, digest, "failed", error=error, load_id=load_id)
    _insert_load(con, failed, size, modified_ns, started)
    return failed


def _drop_stage(con: duckdb.DuckDBPyConnection) -> None:
    con.unregister("jm_batch")  # left registered when a batch failed; no-op otherwise
    for table in _STAGE_TABLES:
        con.execute(f"drop table if exists {table}")
    sql.run(con, "ingest/staging_drop")
