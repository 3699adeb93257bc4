"""Load one file into the warehouse, all or nothing.

Every record of the file ends in exactly one of ``events``, ``quarantine`` or the duplicate
count, so ``rows_read = rows_loaded + rows_rejected + rows_duplicate``. A file whose sha256
was loaded before is skipped. A file that cannot be read leaves no rows behind, only a failed
``loads`` row with its error; the next run tries it again.
"""

from __future__ import annotations

import hashlib
import logging
import re
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

Status = Literal["loaded", "failed", "skipped"]

log = logging.getLogger("journeymine.ingest")
PROGRESS_EVERY = 1_000_000  # rows between progress lines on a large file

_TIMESTAMP_HELP = {
    "iso8601": "ISO 8601 such as 2026-03-01T10:00:00+01:00; times without an offset are read "
    "in the source's timezone",
    "epoch_s": "seconds since 1970-01-01 UTC",
    "epoch_ms": "milliseconds since 1970-01-01 UTC",
}

_STAGE_TABLES = ("jm_stg_input", "jm_stg_validated", "jm_stg_new", "jm_rules", "jm_invalid_adj")


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
        "unmatched": source.unmatched,
        "ipad": key.ipad_hex,
        "opad": key.opad_hex,
        "pii_keys": "|".join(re.escape(k) for k in pii_keys) or "__journeymine_none__",
        "channel": source.channel,
        "attr_names": list(source.attributes),
    }


def _rules_table(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    rules = pa.table(
        {
            "rule_no": pa.array(range(1, len(source.touchpoints) + 1), pa.int64()),
            "touchpoint": pa.array([r.touchpoint for r in source.touchpoints], pa.string()),
            "event_name": pa.array([r.event_name for r in source.touchpoints], pa.string()),
            "url_path": pa.array([r.url_path for r in source.touchpoints], pa.string()),
            "intent": pa.array([r.intent for r in source.touchpoints], pa.string()),
            "interaction": pa.array([r.interaction for r in source.touchpoints], pa.string()),
        }
    )
    con.register("jm_rules_arrow", rules)
    con.execute("create or replace temp table jm_rules as select * from jm_rules_arrow")
    con.unregister("jm_rules_arrow")


def _stage_input(con: duckdb.DuckDBPyConnection, path: Path, source: Source) -> None:
    """Read the file into temp table jm_stg_input, one row per record, numbered."""
    reading = readers.read(path, source)
    con.execute(
        "create or replace temp table jm_stg_input (seq bigint, record_no bigint, raw varchar, "
        "parse_error varchar, fields varchar[], attr_values varchar[])"
    )
    model = "ingest/input_jsonl" if reading.kind == "lines" else "ingest/input_tabular"
    params: dict[str, Any] = {}
    if reading.kind == "lines":
        params = {
            "field_paths": [
                _json_path(source.fields[f]) if f in source.fields else _NEVER for f in FIELDS
            ],
            "attr_paths": [_json_path(a) for a in source.attributes],
        }
    insert = f"insert into jm_stg_input {sql.load(model)}"
    rows, next_report = 0, PROGRESS_EVERY
    for batch in reading.batches:
        con.register("jm_batch", batch)
        sql.execute(con, insert, params)
        con.unregister("jm_batch")
        rows += batch.num_rows
        if rows >= next_report:
            log.info("%s: %s rows read so far", path.name, f"{rows:,}")
            next_report += PROGRESS_EVERY
    _number_records(con, reading.invalid)


def _number_records(con: duckdb.DuckDBPyConnection, invalid: list[readers.InvalidRecord]) -> None:
    """Give parsed rows their record number, around the rows the parser rejected."""
    numbers = sorted(r.record_no for r in invalid if r.record_no is not None)
    if not numbers:
        con.execute("update jm_stg_input set record_no = seq")
    else:
        # the i-th parsed row is row i + |{j : numbers[j] - j <= i}| (numbers sorted, j from 0)
        adj = pa.table({"v": pa.array([n - j for j, n in enumerate(numbers)], pa.int64())})
        con.register("jm_invalid_adj_arrow", adj)
        con.execute(
            "create or replace temp table jm_invalid_adj as select * from jm_invalid_adj_arrow"
        )
        con.unregister("jm_invalid_adj_arrow")
        con.execute(
            "update jm_stg_input set record_no = seq + "
            "(select count(*) from jm_invalid_adj as a where a.v <= jm_stg_input.seq)"
        )
    if invalid:
        rows = pa.table(
            {
                "record_no": pa.array([r.record_no for r in invalid], pa.int64()),
                "raw": pa.array([r.text for r in invalid], pa.string()),
                "parse_error": pa.array([r.reason for r in invalid], pa.string()),
            }
        )
        con.register("jm_invalid_arrow", rows)
        con.execute(
            "insert into jm_stg_input (record_no, raw, parse_error) "
            "select record_no, raw, parse_error from jm_invalid_arrow"
        )
        con.unregister("jm_invalid_arrow")


def _next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("select coalesce(max(load_id), 0) + 1 from loads").fetchall()[0][0])


def _insert_load(
    con: duckdb.DuckDBPyConnection, row: FileLoad, size: int, started: datetime
) -> None:
    con.execute(
        "insert into loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        ],
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


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
) -> FileLoad:
    """Load one file of ``source``; never raises for a bad file, only records the failure."""
    name = display_name or str(path)
    digest = sha256_of(path)
    if already_loaded(con, digest):
        return FileLoad(source.name, name, digest, "skipped")
    started = _now()
    size = path.stat().st_size
    params = source_params(source, key)
    con.execute("begin transaction")
    try:
        load_id = _next_load_id(con)
        _rules_table(con, source)
        _stage_input(con, path, source)
        sql.create_table_as(con, "jm_stg_validated", "ingest/int_records", params, temp=True)
        sql.create_table_as(con, "jm_stg_new", "ingest/int_new_events", params, temp=True)
        read, rejected = con.execute(
            "select count(*), count(reason_code) from jm_stg_validated"
        ).fetchall()[0]
        loaded = con.execute("select count(*) from jm_stg_new").fetchall()[0][0]
        params |= {"load_id": load_id, "file": name, "now": started}
        sql.run(con, "ingest/load_quarantine", params)
        sql.run(con, "ingest/load_events", params)
        sql.run(con, "ingest/load_identity_edges")
        result = FileLoad(
            source=source.name,
            file=name,
            sha256=digest,
            status="loaded",
            rows_read=read,
            rows_loaded=loaded,
            rows_rejected=rejected,
            rows_duplicate=read - rejected - loaded,
            load_id=load_id,
        )
        _insert_load(con, result, size, started)
        con.execute("commit")
    except IngestError as exc:
        con.execute("rollback")
        return _record_failure(con, source, name, digest, size, started, exc.reason)
    except duckdb.Error as exc:
        con.execute("rollback")
        return _record_failure(con, source, name, digest, size, started, f"database error: {exc}")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        _drop_stage(con)
    return result


def _record_failure(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    name: str,
    digest: str,
    size: int,
    started: datetime,
    error: str,
) -> FileLoad:
    failed = FileLoad(source.name, name, digest, "failed", error=error, load_id=_next_load_id(con))
    _insert_load(con, failed, size, started)
    return failed


def _drop_stage(con: duckdb.DuckDBPyConnection) -> None:
    for view in ("jm_batch", "jm_rules_arrow", "jm_invalid_adj_arrow", "jm_invalid_arrow"):
        con.unregister(view)  # no-op when not registered
    for table in _STAGE_TABLES:
        con.execute(f"drop table if exists {table}")
