"""Open the DuckDB warehouse the way journeymine needs it: offline, UTC, macros defined."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import duckdb

from journeymine import sql
from journeymine.errors import WarehouseError

_LOCK_HINT = (
    "DuckDB allows one writer or many read-only readers per file, never both: close other "
    "sessions on it (analysts query the published copy, <name>-analytics.duckdb), then run again"
)


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse at ``path`` (``:memory:`` for a throwaway one).

    Only DuckDB's built-in extensions are used, and none is downloaded. Session time zone is
    UTC, so every timestamp journeymine writes is UTC.
    """
    target = str(path)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(
            target,
            read_only=read_only,
            config={"autoinstall_known_extensions": False, "autoload_known_extensions": True},
        )
    except duckdb.IOException as exc:
        message = str(exc)
        if "lock" in message.lower():
            holder = re.search(r"PID (\d+)", message)
            who = f" (held by process {holder.group(1)})" if holder else ""
            raise WarehouseError(f"{target}: the warehouse is locked{who}. {_LOCK_HINT}") from exc
        raise WarehouseError(f"{target}: cannot open the warehouse: {message}") from exc
    con.execute("set TimeZone = 'UTC'")
    sql.run(con, "warehouse/macros")
    if not read_only:
        sql.run(con, "warehouse/schema")
    return con


def published_path(path: Path | str) -> Path:
    """Where the analysts' copy of the warehouse at ``path`` is published."""
    p = Path(path)
    return p.with_name(f"{p.stem}-analytics{p.suffix}")


def publish(path: Path | str) -> Path:
    """Publish a consistent copy of the warehouse for analysts; returns its path.

    DuckDB lets one process write a file or many read it, never both, so analysts query the
    published copy, which the nightly run replaces atomically when it is done: readers that
    have it open keep the version they opened, new readers get the new one, and nobody ever
    blocks the writer.
    """
    source = Path(path)
    with connect(source) as con:
        con.execute("checkpoint")
    target = published_path(source)
    partial = target.with_name(f".{target.name}.partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)
    return target
