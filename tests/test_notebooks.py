"""The notebooks run against a real warehouse: every code cell, in order."""

from __future__ import annotations

import json
from pathlib import Path

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
    for cell in cells:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), f"{notebook.name}[{ran}]", "exec"), namespace)
            ran += 1
    assert ran >= 7
    flags = namespace["flags"]
    assert len(flags) > 0  # type: ignore[arg-type]
    assert len(namespace["examples"]) > 0  # type: ignore[arg-type]
    notebook_con = namespace["con"]
    assert isinstance(notebook_con, duckdb.DuckDBPyConnection)
    notebook_con.close()
