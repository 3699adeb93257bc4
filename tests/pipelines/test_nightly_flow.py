"""One real flow run under Prefect's test harness (its local API takes 10-15 s to start)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from journeymine.generate import GeneratedSample, write_broken_files
from journeymine.warehouse import connect
from tests.conftest import write_config

pytestmark = pytest.mark.flow


def test_nightly_flow_loads_everything_and_reports_a_bad_file(
    prefect_api: None, tmp_path: Path, sample: GeneratedSample, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from pipelines.nightly import nightly

    monkeypatch.setenv("JOURNEYMINE_PII_SECRET", "a-test-secret-of-enough-length")
    data = tmp_path / "data"
    shutil.copytree(sample.out_dir, data)
    broken = write_broken_files(tmp_path / "broken", sample.out_dir)
    shutil.copy(broken["truncated_gzip"], data / "social" / "late.jsonl.gz")
    config_path = write_config(tmp_path, data)

    result = nightly(str(config_path))

    assert not result.ok
    statuses = sorted((f.source, f.status) for r in result.sources for f in r.files)
    assert statuses == [
        ("chat", "loaded"),
        ("social", "failed"),
        ("social", "loaded"),
        ("web", "loaded"),
    ]
    assert "late.jsonl.gz: truncated or corrupt gzip" in result.summary()
    assert result.stitch.customers > 0
    assert result.mining is not None
    assert result.mining.report.conformance.journeys > 100
    assert [f.subject for f in result.mining.flags][:1] == ["payment"]  # the planted drop-off
    assert (tmp_path / "out" / "flags.csv").read_text().startswith("rank,kind,subject")
    assert (tmp_path / "out" / "discovered_journeys.bpmn").is_file()
    # analysts read the published copy, with every table the run wrote
    with connect(tmp_path / "warehouse-analytics.duckdb", read_only=True) as con:
        assert con.execute("select count(distinct channel) from events").fetchall() == [(3,)]
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() "
                "union all select view_name from duckdb_views() where not internal"
            ).fetchall()
        }
        assert {
            "events", "quarantine", "loads", "customers", "journeys", "journey_steps",
            "transitions", "variants", "touchpoint_stats", "stage_funnel", "deviations",
            "conformance", "flags", "map_touchpoints", "map_transitions",
        } <= tables  # fmt: skip

    again = nightly(str(config_path))
    # the run ledger: both runs, partial (a file failed), with what they did
    with connect(tmp_path / "warehouse-analytics.duckdb", read_only=True) as con:
        runs = con.execute(
            "select status, files_loaded, files_skipped, files_failed, flags, "
            "json_extract(rows_by_source, '$.web.loaded')::bigint, finished_at > started_at "
            "from runs order by started_at"
        ).fetchall()
    assert runs[0][:4] == ("partial", 3, 0, 1) and runs[0][4] and runs[0][5] > 1000
    assert runs[1][:4] == ("partial", 0, 3, 1) and runs[1][5] == 0
    assert all(r[6] for r in runs)
    statuses = sorted((f.source, f.status) for r in again.sources for f in r.files)
    assert statuses == [
        ("chat", "skipped"),
        ("social", "failed"),
        ("social", "skipped"),
        ("web", "skipped"),
    ]
    # nothing new: no period of the history is rewritten, and the run says so
    assert "history: no period changed" in again.summary()

    # one more day arrives (a new visitor's journey, on 2027-06-01): only that day and its
    # week are recomputed
    header = (data / "web" / "clickstream.csv").read_text(encoding="utf-8").splitlines()[0]
    day = ",".join(
        [
            "new-{i},2027-06-01T10:0{i}:00Z,page_view,https://brightwheel.example/{path},,ckNEW,,,"
            "sNEW,Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0,desktop,10.1.2.3,google,cpc,x"
        ]
    )
    rows = [day.format(i=i, path=p) for i, p in enumerate(["", "bikes", "bikes/city-e1"])]
    (data / "web" / "day2.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    third = nightly(str(config_path))
    assert third.mining is not None
    assert third.mining.analysis.history.changed == {
        "day": (date(2027, 6, 1),),
        "week": (date(2027, 5, 31),),
    }
    assert "history: 1 day(s) and 1 week(s) changed" in third.summary()


def test_a_source_that_finds_no_file_fails_the_run_and_mines_nothing(
    prefect_api: None,
    tmp_path: Path,
    sample: GeneratedSample,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A typo in one folder name: the others load, no flag is raised from half the channels."""
    import duckdb

    from journeymine.cli import main

    monkeypatch.setenv("JOURNEYMINE_PII_SECRET", "a-test-secret-of-enough-length")
    config_path = write_config(tmp_path, sample.out_dir, overrides={"chat": {"path": "nope"}})
    text = config_path.read_text().replace("path: nope", "path: chats/*.jsonl*")
    config_path.write_text(text)

    assert main(["run", "--config", str(config_path)]) == 1

    out = capsys.readouterr().out
    assert "source chat: no file matches 'chats/*.jsonl*'" in out
    assert "journeys not mined: source(s) chat ('chats/*.jsonl*') found no file" in out
    assert out.count("customers:") == 1  # the summary is printed once
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        loaded = con.execute("select source, count(*) from loads group by all order by 1")
        assert loaded.fetchall() == [("social", 1), ("web", 1)]
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert "flags" not in tables
    assert not (tmp_path / "out" / "flags.csv").exists()
