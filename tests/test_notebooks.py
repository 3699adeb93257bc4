"""The notebooks run against a real warehouse: every code cell, in order."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from journeymine.warehouse import publish
from tests.conftest import REPO
from tests.mining import Mined

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(
    notebook: Path, mined_stories: Mined, monkeypatch: pytest.MonkeyPatch
) -> None:
    con, _, _, _ = mined_stories
    (path,) = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()[0]
    monkeypatch.setenv("JOURNEYMINE_WAREHOUSE", str(publish(path)))
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    namespace: dict[str, object] = {}
    ran = 0
    try:
        for cell in cells:
            if cell["cell_type"] == "code":
                code = compile("".join(cell["source"]), f"{notebook.name}[{ran}]", "exec")
                exec(code, namespace)
                ran += 1
        assert ran >= 7
        flags = namespace["flags"]
        assert len(flags) > 0  # type: ignore[arg-type]
        assert len(namespace["examples"]) > 0  # type: ignore[arg-type]
        assert isinstance(namespace["con"], duckdb.DuckDBPyConnection)
        CHECKS.get(notebook.stem, lambda _: None)(namespace)
    finally:  # the next notebook opens the same copy
        notebook_con = namespace.get("con")
        if isinstance(notebook_con, duckdb.DuckDBPyConnection):
            notebook_con.close()


def _walkthrough(ns: dict[str, Any]) -> None:
    """The analyst walkthrough: read-only, and each section found what it is about."""
    con = ns["con"]
    with pytest.raises(duckdb.Error, match="read-only"):
        con.execute("create table scratch (x int)")
    # the funnel plot: one bar per stage, as long as the journeys that got there
    (bars,) = ns["funnel_fig"].axes[0].containers
    assert [b.get_width() for b in bars] == list(ns["funnel"]["journeys_reached"])
    # the dead end planted in the stories, drilled down to one journey's events
    assert ns["dead_end"] == "delivery_info"
    assert ns["next_steps"]["journeys"].sum() > 0
    events = ns["journey_events"]
    assert ns["dead_end"] in set(events["touchpoint"])
    steps = [t for t in events["touchpoint"] if isinstance(t, str)]
    collapsed = [t for i, t in enumerate(steps) if i == 0 or t != steps[i - 1]]  # reloads
    assert collapsed == ns["examples"].iloc[0]["path"].split(" > ")
    # the weekly trend: weeks in order, rates with their intervals
    trend = ns["trend"]
    assert len(trend) >= 4 and trend["week"].is_monotonic_increasing
    assert (trend["goal_rate_low"] <= trend["goal_rate"] + 1e-12).all()  # Wilson at 0: ~1e-17
    assert len(ns["trend_fig"].axes[0].lines) >= 1


CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {"analyst_walkthrough": _walkthrough}
