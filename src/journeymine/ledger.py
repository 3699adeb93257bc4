"""The run ledger: one row per nightly run in table ``runs``, what it did and how it ended.

A run writes its row when it starts (status ``running``) and completes it before the
analysts' copy is published, so analysts see every run, and an operator sees one that died:
the next run marks a row still ``running`` from an earlier run as ``failed`` (killed).
"""

from __future__ import annotations

import json
import resource
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, Literal

import duckdb

Status = Literal["success", "partial", "failed"]

_VERSIONED = ("journeymine", "duckdb", "pm4py", "prefect", "pandas", "pyarrow", "networkx")


def versions() -> dict[str, str]:
    """Python's and the main packages' versions, as installed."""
    out = {"python": sys.version.split()[0]}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def peak_memory_mb() -> float:
    """This process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class RunRecord:
    """What one run did, filled in as it goes."""

    run_id: str
    parameters: dict[str, Any]
    started_at: datetime = field(default_factory=_now)
    files_loaded: int = 0
    files_skipped: int = 0
    files_failed: int = 0
    sources_without_files: list[str] = field(default_factory=list)
    rows_by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    periods_recomputed: dict[str, int] = field(default_factory=dict)
    seconds_by_stage: dict[str, float] = field(default_factory=dict)
    flags: int | None = None
    note: str | None = None

    def status(self, failed: bool) -> Status:
        if failed:
            return "failed"
        if self.files_failed or self.sources_without_files:
            return "partial"
        return "success"


def start_run(con: duckdb.DuckDBPyConnection, record: RunRecord) -> int:
    """Write the run's row (status running); returns how many earlier runs were found dead
    (still ``running``) and marked failed."""
    dead = con.execute(
        "update runs set status = 'failed', note = coalesce(note || '; ', '') || "
        "'did not finish (killed, or the machine stopped)' where status = 'running' "
        "returning run_id"
    ).fetchall()
    con.execute(
        "insert into runs (run_id, started_at, status, parameters, versions) "
        "values (?, ?, 'running', ?, ?)",
        [record.run_id, record.started_at, json.dumps(record.parameters), json.dumps(versions())],
    )
    return len(dead)


def finish_run(con: duckdb.DuckDBPyConnection, record: RunRecord, *, failed: bool) -> Status:
    """Complete the run's row; returns its status."""
    status = record.status(failed)
    con.execute(
        "update runs set finished_at = ?, status = ?, files_loaded = ?, files_skipped = ?, "
        "files_failed = ?, sources_without_files = ?, rows_by_source = ?, "
        "periods_recomputed = ?, seconds_by_stage = ?, flags = ?, peak_memory_mb = ?, note = ? "
        "where run_id = ?",
        [
            _now(),
            status,
            record.files_loaded,
            record.files_skipped,
            record.files_failed,
            json.dumps(record.sources_without_files),
            json.dumps(record.rows_by_source),
            json.dumps(record.periods_recomputed),
            json.dumps({k: round(v, 3) for k, v in record.seconds_by_stage.items()}),
            record.flags,
            round(peak_memory_mb(), 1),
            record.note,
            record.run_id,
        ],
    )
    return status
