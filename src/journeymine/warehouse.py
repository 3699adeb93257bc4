"""Open the DuckDB warehouse the way journeymine needs it: offline, UTC, macros defined."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from journeymine import pii, sql
from journeymine.errors import WarehouseError

_LOCK_HINT = (
    "DuckDB allows one writer or many read-only readers per file, never both: close other "
    "sessions on it (analysts query the published copy, <name>-analytics.duckdb), then run again"
)


def default_memory_limit() -> str:
    """Half the machine's memory: DuckDB's own default (80%) leaves too little for Python and
    pyarrow beside it (a 9M-row load was killed at 24 GB of 24)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return "4GB"
    return f"{max(1, total // 2 // (1 << 20))}MB"


def connect(
    path: Path | str, *, read_only: bool = False, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse at ``path`` (``:memory:`` for a throwaway one).

    Only DuckDB's built-in extensions are used, and none is downloaded. Session time zone is
    UTC, so every timestamp journeymine writes is UTC. DuckDB may use ``memory_limit`` (half
    the machine's memory by default) and spills to disk beyond it.
    """
    target = str(path)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(
            target,
            read_only=read_only,
            config={
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": True,
                "memory_limit": memory_limit or default_memory_limit(),
            },
        )
    except duckdb.IOException as exc:
        message = str(exc)
        if "lock" in message.lower():
            holder = re.search(r"PID (\d+)", message)
            who = f" (held by process {holder.group(1)})" if holder else ""
            raise WarehouseError(
                f"{target}: the warehouse is locked{who}. {_LOCK_HINT}", locked=True
            ) from exc
        raise WarehouseError(f"{target}: cannot open the warehouse: {message}") from exc
    con.execute("set TimeZone = 'UTC'")
    pii.register_functions(con)  # the Python functions some macros call
    sql.run(con, "warehouse/macros")
    if not read_only:
        sql.run(con, "warehouse/schema")
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Everything inside commits together or not at all: a killed or failed run leaves the
    tables of the previous run, never a mix of two. Inside a transaction already open, it
    joins that one (the outer one commits)."""
    if id(con) in _IN_TRANSACTION:
        yield  # already in one: the caller's transaction decides
        return
    con.execute("begin transaction")
    _IN_TRANSACTION.add(id(con))
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    else:
        con.execute("commit")
    finally:
        _IN_TRANSACTION.discard(id(con))


# connections (by id) inside a transaction opened by transaction(): DuckDB cannot nest them
_IN_TRANSACTION: set[int] = set()


def published_path(path: Path | str) -> Path:
    """Where the analysts' copy of the warehouse at ``path`` is published."""
    p = Path(path)
    return p.with_name(f"{p.stem}-analytics{p.suffix}")


def publish(path: Path | str, *, memory_limit: str | None = None) -> Path:
    """Publish a consistent copy of the warehouse for analysts; returns its path.

    DuckDB lets one process write a file or many read it, never both, so analysts query the
    published copy, which the nightly run replaces atomically when it is done: readers that
    have it open keep the version they opened, new readers get the new one, and nobody ever
    blocks the writer.
    """
    source = Path(path)
    with connect(source, memory_limit=memory_limit) as con:
        con.execute("checkpoint")
    target = published_path(source)
    partial = target.with_name(f".{target.name}.partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)
    return target
