"""Touchpoint and stage metrics per period, kept across runs.

``touchpoint_history`` holds one row per (grain, period_start, segment, segment_value, level,
node) with the counts behind drop-off, exit and goal rates. Each run computes the periods'
numbers from the journeys as they stand (identities re-stitched, late events in) and rewrites
only the periods whose numbers changed, so a period stays as it was unless something in it
changed, and the run can say which periods did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import duckdb

from journeymine import sql
from journeymine.warehouse import transaction

log = logging.getLogger("journeymine.periods")

_COUNTS = "journeys, drop_offs, exits, goal_journeys, continued, continued_goal_journeys"
_KEY = "grain, period_start, segment, segment_value, level, node"


@dataclass(frozen=True)
class HistoryReport:
    """Which periods this run changed, by grain (day, week)."""

    changed: dict[str, tuple[date, ...]]

    def describe(self) -> str:
        days, weeks = self.changed.get("day", ()), self.changed.get("week", ())
        if not days and not weeks:
            return "history: no period changed"
        return (
            f"history: {len(days)} day(s) and {len(weeks)} week(s) changed"
            + (f", days {_span(days)}" if days else "")
            + (f", weeks from {weeks[0]} to {weeks[-1]}" if weeks else "")
        )


def _span(days: tuple[date, ...]) -> str:
    return str(days[0]) if len(days) == 1 else f"{days[0]} to {days[-1]}"


def update_history(con: duckdb.DuckDBPyConnection, *, scoped: bool = False) -> HistoryReport:
    """Recompute the period metrics and rewrite the periods whose numbers changed.

    With ``scoped``, only the weeks in temp table ``jm_touched_weeks`` (and their days) are
    recomputed: those an incremental night's journeys count in (``mine.scope``).
    """
    sql.run(con, "time/history_schema")
    if not scoped:
        con.execute("create or replace temp table jm_touched_weeks (period_start date)")
    sql.create_table_as(con, "jm_period_fresh", "time/period_stats", {"scoped": scoped}, temp=True)
    # the history this run recomputed: every period, or those of the touched weeks
    in_scope = (
        "(not ? or cast(date_trunc('week', period_start) as date) "
        "in (select period_start from jm_touched_weeks))"
    )
    changed_rows = con.execute(
        f"""
        select distinct grain, period_start from (
            (select {_KEY}, {_COUNTS} from jm_period_fresh
             except
             select {_KEY}, {_COUNTS} from touchpoint_history where {in_scope})
            union all
            (select {_KEY}, {_COUNTS} from touchpoint_history where {in_scope}
             except
             select {_KEY}, {_COUNTS} from jm_period_fresh)
        )
        order by grain, period_start
        """,
        [scoped, scoped],
    ).fetchall()
    con.execute("create or replace temp table jm_period_changed (grain varchar, period_start date)")
    if changed_rows:
        con.executemany("insert into jm_period_changed values (?, ?)", changed_rows)
    with transaction(con):
        sql.run(con, "time/history_replace")
    con.execute("drop table jm_period_fresh")
    con.execute("drop table jm_period_changed")
    changed: dict[str, list[date]] = {}
    for grain, start in changed_rows:
        changed.setdefault(grain, []).append(start)
    report = HistoryReport({g: tuple(v) for g, v in changed.items()})
    log.info(report.describe())
    return report


def write_flag_trends(con: duckdb.DuckDBPyConnection) -> None:
    """Replace ``flag_trends``: each flag's weekly series from ``touchpoint_history``."""
    sql.create_table_as(con, "flag_trends", "time/flag_trends")
