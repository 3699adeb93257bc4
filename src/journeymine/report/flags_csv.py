"""The ranked flags with their evidence as CSV, for the people who fix the journeys."""

from __future__ import annotations

from pathlib import Path

import duckdb

from journeymine import sql


def export_flags_csv(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Write the ranked flags with their evidence as CSV (``flags.csv`` of the report)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    target = str(path).replace("'", "''")
    con.execute(f"copy ({sql.load('report/flags_report')}) to '{target}' (format csv, header)")
    return path
