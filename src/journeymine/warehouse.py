"""Open the DuckDB warehouse the way journeymine needs it: offline, UTC, macros defined."""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from journeymine import pii, sql
from journeymine.errors import WarehouseError

log = logging.getLogger("journeymine.warehouse")

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


# the table, or the table.column, a statement of sql/warehouse/comments.sql describes
_COMMENT_ON = re.compile(r"comment\s+on\s+(table|view|column)\s+([A-Za-z_][A-Za-z0-9_.]*)\s", re.I)


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the warehouse holds ``table`` (``name`` in main, or ``schema.name``)."""
    schema, _, name = table.rpartition(".")
    (n,) = con.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = ? and table_name = ? and not temporary",
        [schema or "main", name],
    ).fetchall()[0]
    return bool(n)


def describe(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Put the data dictionary (``sql/warehouse/comments.sql``) on the warehouse's tables and
    views as DuckDB comments; returns what is described there that this warehouse lacks
    (skipped: a warehouse not mined yet has no journeys).

    Tables rebuilt by ``create or replace`` lose their comments, so this runs after they are
    built and before the analysts' copy is published.
    """
    known = {
        name
        for (name,) in con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where database_name = current_database() and not temporary "
            "union all "
            "select schema_name || '.' || view_name from duckdb_views() "
            "where database_name = current_database() and not temporary and not internal "
            "union all "
            "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
            "where database_name = current_database()"
        ).fetchall()
    }
    missing = []
    with transaction(con):
        for statement in duckdb.extract_statements(sql.load("warehouse/comments")):
            found = _COMMENT_ON.search(statement.query)
            if found is None:
                raise WarehouseError(f"sql/warehouse/comments.sql: not a comment: {statement}")
            kind, name = found.group(1).lower(), found.group(2)
            schema_qualified = name.count(".") == (2 if kind == "column" else 1)
            target = name if schema_qualified else f"main.{name}"
            table = target.rsplit(".", 1)[0] if kind == "column" else target
            if table not in known or target not in known:
                missing.append(target)
                continue
            con.execute(statement.query)
    return missing


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
        describe(con)  # the copy carries the data dictionary
        con.execute("checkpoint")
    target = published_path(source)
    partial = target.with_name(f".{target.name}.partial")
    how = _clone_or_copy(source, partial)
    os.replace(partial, target)
    log.info("%s: %s from %s", target, how, source)
    return target


# Linux's FICLONE ioctl, _IOW(0x94, 9, int): the target shares the source's blocks
_FICLONE = 0x40049409


def _clone_or_copy(source: Path, target: Path) -> str:
    """Copy ``source`` to ``target``; returns "cloned" or "copied".

    Where the filesystem can (XFS made with reflink, as recent mkfs.xfs does by default;
    Btrfs), the copy is a copy-on-write clone: it takes no time and no disk whatever the
    warehouse's size, and a block is copied only when the warehouse later writes it.
    Elsewhere (ext4, tmpfs, macOS) the ioctl fails and the file is copied byte for byte,
    which takes time in proportion to the whole warehouse, every night.
    """
    if sys.platform == "linux":
        import fcntl

        with source.open("rb") as src, target.open("wb") as dst:
            try:
                fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
            except OSError:
                pass  # the filesystem cannot clone (EOPNOTSUPP, EXDEV, EINVAL...): copy
            else:
                return "cloned"
    shutil.copyfile(source, target)
    return "copied"
