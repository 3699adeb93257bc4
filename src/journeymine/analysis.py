"""One night's analysis, all or nothing: mine the journeys, keep the history per period, find
what changed over time, raise the flags.

One transaction: the mining tables, the history, the flags and their trends always belong to
the same run, even when the run is killed half-way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from journeymine.config import Config
from journeymine.flags import Flag, raise_flags
from journeymine.mapping import JourneyMap
from journeymine.mine import MiningReport, mine
from journeymine.periods import Change, HistoryReport, detect_changes, update_history
from journeymine.periods.history import write_flag_trends
from journeymine.warehouse import transaction


@dataclass(frozen=True)
class Analysis:
    report: MiningReport
    history: HistoryReport
    changes: tuple[Change, ...]
    flags: tuple[Flag, ...]


def analyse(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    journey_map: JourneyMap,
    *,
    export_dir: Path | None = None,
    incremental: bool = False,
) -> Analysis:
    """Mine, update the history, detect changes and raise flags, in one transaction.

    With ``incremental``, only the journeys of customers whose events changed since the last
    analysis, and the periods they count in, are recomputed (``mine.scope``).
    """
    with transaction(con):
        report = mine(con, config, journey_map, export_dir=export_dir, incremental=incremental)
        history = update_history(con, scoped=not report.built.full)
        changes = detect_changes(con, config.periods, config.mining)
        flags = raise_flags(con, config.mining, changes)
        write_flag_trends(con)
    return Analysis(report, history, tuple(changes), tuple(flags))
