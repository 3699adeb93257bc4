"""Small helpers to put Python-side rows into the warehouse as tables."""

from __future__ import annotations

import duckdb
import pyarrow as pa


def replace_table(
    con: duckdb.DuckDBPyConnection, name: str, table: pa.Table, *, temp: bool = False
) -> None:
    """Create or replace table ``name`` (one of journeymine's own names) with ``table``'s rows."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a table name: {name!r}")
    view = f"jm_arrow_{name}"
    con.register(view, table)
    try:
        kind = "temp table" if temp else "table"
        con.execute(f"create or replace {kind} {name} as select * from {view}")
    finally:
        con.unregister(view)
