"""Flags: where customers drop off, hit dead ends, loop or leave the designed path.

Rules are a registry: an ordered tuple of kinds, each one SQL file in ``sql/flags/`` that
returns candidate rows in the common flag shape (only rows whose interval clears the
threshold). Adding a kind means adding one file and one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from journeymine import sql
from journeymine.config import Mining

RULES: tuple[str, ...] = (
    "drop_off",
    "dead_end",
    "loop",
    "undesigned_transition",
    "unvisited_touchpoint",
    "unknown_touchpoint",
)

_COLUMNS = (
    "rank, rank_in_kind, kind, subject, touchpoint, from_touchpoint, to_touchpoint, metric, "
    "value, ci_low, ci_high, threshold, baseline, journeys_affected, lost_goal_completions, "
    "evidence"
)


@dataclass(frozen=True)
class Flag:
    """One finding with its evidence; its impact is the estimated lost goal completions."""

    rank: int
    rank_in_kind: int
    kind: str
    subject: str
    touchpoint: str | None
    from_touchpoint: str | None
    to_touchpoint: str | None
    metric: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    threshold: float | None
    baseline: float | None
    journeys_affected: int
    lost_goal_completions: float
    evidence: str


def raise_flags(con: duckdb.DuckDBPyConnection, settings: Mining) -> list[Flag]:
    """Run every rule over the mining tables and replace table ``flags``, ranked by
    lost goal completions."""
    params = {
        "min_journeys": settings.min_journeys,
        "min_journeys_unvisited": settings.min_journeys_unvisited,
    }
    first, *rest = RULES
    sql.create_table_as(con, "jm_flag_candidates", f"flags/{first}", params, temp=True)
    for rule in rest:
        sql.execute(con, f"insert into jm_flag_candidates {sql.load(f'flags/{rule}')}", params)
    sql.create_table_as(
        con, "flags", "flags/ranked", {"run_at": datetime.now(UTC).replace(tzinfo=None)}
    )
    con.execute("drop table jm_flag_candidates")
    rows = con.execute(f"select {_COLUMNS} from flags order by rank").fetchall()
    return [Flag(*row) for row in rows]
