"""The notebooks run against a real warehouse: every code cell, in order."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from journeymine.config import Config
from journeymine.ingest import SourceReport
from journeymine.warehouse import publish
from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(
    notebook: Path,
    loaded: tuple[Config, duckdb.DuckDBPyConnection, list[SourceReport]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, _, _ = loaded
    monkeypatch.setenv("JOURNEYMINE_WAREHOUSE", str(publish(config.warehouse_path)))
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    namespace: dict[str, object] = {}
    ran = 0
    for cell in cells:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), f"{notebook.name}[{ran}]", "exec"), namespace)
            ran += 1
    assert ran >= 4
    con = namespace["con"]
    assert isinstance(con, duckdb.DuckDBPyConnection)
    con.close()
