"""`journeymine report` rebuilds the report from the warehouse, ingesting nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from journeymine.cli import main
from journeymine.report import FILES


def _loads(path: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select * from loads order by load_id").fetchall()


def test_report_rebuilds_from_the_warehouse(
    mined_warehouse: Path, tmp_path: Path, capsys: object
) -> None:
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(mined_warehouse, copy)
    before = _loads(copy)
    out = tmp_path / "rebuilt"
    code = main(
        ["report", "--database", str(copy), "--out", str(out), "--from", "2026-10-01",
         "--to", "2026-12-31", "--segment", "persona=researcher"]
    )  # fmt: skip
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scope"]["segment"] == "persona"
    assert summary["scope"]["from"] == "2026-10-01"
    assert _loads(copy) == before  # nothing was ingested


def test_report_refuses_a_bad_segment_or_range(mined_warehouse: Path, tmp_path: Path) -> None:
    args = ["report", "--database", str(mined_warehouse), "--out", str(tmp_path / "r")]
    assert main([*args, "--segment", "persona"]) == 2
    assert main([*args, "--from", "2026-10-02", "--to", "2026-10-01"]) == 2
    assert not (tmp_path / "r").exists()
