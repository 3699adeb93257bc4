"""Load the SQL models in ``sql/`` and run them with bound parameters.

SQL lives in files, one model per file; values always go in as bound parameters, never by
string formatting. In a checkout the files are read from the repository's ``sql/`` folder; in
an installed wheel from the ``journeymine/_sql`` copy the build puts beside the package.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from journeymine.errors import JourneymineError

_PACKAGE_DIR = Path(__file__).resolve().parent


def sql_dir() -> Path:
    """The folder holding the SQL models."""
    for candidate in (_PACKAGE_DIR / "_sql", _PACKAGE_DIR.parents[1] / "sql"):
        if candidate.is_dir():
            return candidate
    raise JourneymineError(f"cannot find the SQL models beside {_PACKAGE_DIR}")


@cache
def load(name: str) -> str:
    """The text of model ``name`` (a path relative to ``sql/``, without ``.sql``)."""
    path = sql_dir() / f"{name}.sql"
    if not path.is_file():
        raise JourneymineError(f"no SQL model {name!r} (looked for {path})")
    return path.read_text(encoding="utf-8")


_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@cache
def _param_names(text: str) -> frozenset[str]:
    code = re.sub(r"--[^\n]*", "", text)
    return frozenset(_PARAM.findall(code))


def bind(text: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """The parameters ``text`` uses, taken from ``params``; a missing one is an error."""
    names = _param_names(text)
    given = params or {}
    missing = sorted(names - given.keys())
    if missing:
        raise JourneymineError(f"SQL needs parameter(s) {', '.join(missing)}")
    return {k: given[k] for k in names}


def redirect(text: str, tables: Mapping[str, str]) -> str:
    """``text`` reading other tables: each ``from``/``join`` of a key of ``tables`` reads its
    value instead. Keys and values are journeymine's own table names, never user input; a
    column or alias of the same name is left alone (only a table after from/join is read),
    and so are ``--`` comments. Not a SQL parser: the models it is used on are tested with
    one (sqlglot) for what they read afterwards."""
    for name in (*tables, *tables.values()):
        if not _TABLE_NAME.fullmatch(name):
            raise JourneymineError(f"not a table name: {name!r}")
    if not tables:
        return text
    lowered = {k.lower(): v for k, v in tables.items()}
    names = "|".join(re.escape(t) for t in sorted(tables, key=len, reverse=True))
    # a comment is matched whole (and kept) so that no read is found inside one; the models
    # put no "--" in strings
    reads = re.compile(rf"(--[^\n]*)|\b(from|join)(\s+)({names})(?![\w.])", re.IGNORECASE)

    def swap(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return m.group(1)
        return m.group(2) + m.group(3) + lowered[m.group(4).lower()]

    return reads.sub(swap, text)


_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")


def execute(
    con: duckdb.DuckDBPyConnection, text: str, params: dict[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Run SQL text with the parameters it references (DuckDB rejects unused ones)."""
    return con.execute(text, bind(text, params))


def run(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: dict[str, Any] | None = None,
) -> None:
    """Run a model that returns no rows (DDL, insert, update)."""
    execute(con, load(name), params)


def fetch(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: dict[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """Run a model and fetch all its rows."""
    return execute(con, load(name), params).fetchall()


def create_table_as(
    con: duckdb.DuckDBPyConnection,
    table: str,
    name: str,
    params: dict[str, Any] | None = None,
    *,
    temp: bool = False,
) -> None:
    """Materialise model ``name`` as ``table`` (replacing it).

    ``table`` is one of journeymine's own table names, never user input.
    """
    if not table.replace("_", "").replace(".", "").isalnum():
        raise JourneymineError(f"not a table name: {table!r}")
    kind = "temp table" if temp else "table"
    execute(con, f"create or replace {kind} {table} as\n{load(name)}", params)
