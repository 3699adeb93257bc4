"""The nightly flow's Prefect artifacts for the report: a table of the top findings and a
link to the report file (called here without a Prefect API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from journeymine.report import build_report
from journeymine.warehouse import connect


def test_the_top_findings_table_and_the_report_link(
    mined_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipelines.nightly as nightly

    made: dict[str, dict[str, Any]] = {}
    monkeypatch.setattr(nightly, "create_table_artifact", lambda **kw: made.setdefault("table", kw))
    monkeypatch.setattr(nightly, "create_link_artifact", lambda **kw: made.setdefault("link", kw))
    with connect(mined_warehouse, read_only=True) as con:
        built = build_report(con, tmp_path / "2026-04-18")
    nightly._publish_report_artifacts(built)
    table = made["table"]
    assert table["key"] == "journeymine-top-findings"
    assert [row["rank"] for row in table["table"]] == list(
        range(1, min(10, len(built.top_findings)) + 1)
    )
    assert table["table"][0]["where"] == "payment"
    assert table["table"][0]["finding"] == built.top_findings[0]["sentence"]
    assert made["link"]["key"] == "journeymine-report"
    assert made["link"]["link"] == (tmp_path / "2026-04-18" / "dropoff_report.html").as_uri()
