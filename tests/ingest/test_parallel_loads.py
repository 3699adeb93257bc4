"""Sources loaded side by side (``parallel_loads``) leave exactly what one load after the
other leaves: the same rows, the same load ids in the same order, each file once."""

from __future__ import annotations

import gzip
import logging
import shutil
from pathlib import Path

import duckdb
import pytest

from journeymine.config import Config, load_config
from journeymine.generate import generate
from journeymine.ingest import ingest_source, ingest_sources, load, reserve_load_ids
from journeymine.warehouse import connect
from tests.conftest import TEST_KEY, ingest_all, write_config


@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five days of a small log, one file per day and source, with broken records, and one
    web file delivered twice under two names."""
    log = generate(tmp_path_factory.mktemp("log"), 3000, seed=11, daily_files=True).out_dir
    data = tmp_path_factory.mktemp("daily")
    for channel in ("web", "social", "chat"):
        (data / channel).mkdir()
        for path in sorted((log / channel).iterdir())[:5]:
            shutil.copy(path, data / channel / path.name)
    first = sorted((data / "web").iterdir())[0]
    shutil.copy(first, data / "web" / ("again-" + first.name))
    return data


def _loaded(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[object, ...]]]:
    """What the loads left, without the times they ran at, each load id replaced by its rank:
    a load's id orders it (events of the same second are ordered by load, then line), and a
    file found loaded already leaves the id reserved for it unused."""
    con.execute(
        "create or replace temp table jm_test_ranks as "
        "select load_id, dense_rank() over (order by load_id) as load_rank from loads"
    )
    return {
        "loads": con.execute(
            "select load_rank, source, file, sha256, status, rows_read, rows_loaded, "
            "rows_rejected, rows_duplicate, error "
            "from loads join jm_test_ranks using (load_id) order by load_rank"
        ).fetchall(),
        "events": con.execute(
            "select * replace (load_rank as load_id) "
            "from events join jm_test_ranks using (load_id) order by source, event_id"
        ).fetchall(),
        "quarantine": con.execute(
            "select * exclude (quarantined_at) replace (load_rank as load_id) "
            "from quarantine join jm_test_ranks using (load_id) order by load_id, record_no"
        ).fetchall(),
        "links": con.execute(
            "select node_a, node_b, count(*) from jm_internal.unstitched_edges "
            "group by all order by all"
        ).fetchall(),
    }


def _delivered(tmp_path: Path, daily: Path) -> tuple[Path, Config]:
    """A copy of the log to deliver files into, and a configuration reading it."""
    data = tmp_path / "data"
    shutil.copytree(daily, data)
    return data, load_config(write_config(tmp_path, data))


def test_side_by_side_loads_leave_what_one_after_the_other_leaves(
    tmp_path: Path, daily: Path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one_by_one = load_config(write_config(tmp_path / "a", daily))
    with connect(one_by_one.warehouse_path) as con:
        ingest_all(con, one_by_one)  # each file takes the next id as it starts
        expected = _loaded(con)
    together = load_config(write_config(tmp_path / "b", daily, settings={"parallel_loads": 3}))
    reports = ingest_sources(together, TEST_KEY, lambda: connect(together.warehouse_path))
    assert [r.source for r in reports] == [s.name for s in together.sources]
    with connect(together.warehouse_path) as con:
        assert _loaded(con) == expected
    # the ids follow the sources' order, then their files'
    files = [(row[1], row[2]) for row in expected["loads"]]
    loaded = [(r.source, f.file) for r in reports for f in r.files if f.status != "skipped"]
    assert files == loaded
    assert len({source for source, _ in files}) == 3 and len(files) == 15
    assert sum(f.status == "skipped" for r in reports for f in r.files) == 1


def test_a_file_delivered_while_the_run_loads_waits_for_the_next_run(
    tmp_path: Path, daily: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, config = _delivered(tmp_path, daily)
    web = config.source("web")
    with connect(config.warehouse_path) as con:
        reserved = reserve_load_ids(con, config)
        # a day delivered again, gzipped: new to the loads, its records all duplicates
        day = data / "web" / sorted(p.name for p in (data / "web").iterdir())[-1]
        late = data / "web" / ("zz-late-" + day.name + ".gz")
        late.write_bytes(gzip.compress(day.read_bytes()))
        with caplog.at_level(logging.WARNING, logger="journeymine.ingest"):
            report = ingest_source(con, config, web, TEST_KEY, reserved["web"])
        assert late.name not in {Path(f.file).name for f in report.files}
        assert "arrived while this run was loading" in caplog.text
        # the ids reserved for the other sources stay free for their loads
        (most,) = con.execute("select max(load_id) from loads").fetchall()[0]
        assert most == max(reserved["web"].values())
        (again,) = [
            f
            for f in ingest_source(con, config, web, TEST_KEY).files
            if Path(f.file).name == late.name
        ]
        assert again.status == "loaded" and again.rows_duplicate == again.rows_read > 0


def test_a_file_another_load_published_meanwhile_is_skipped(
    tmp_path: Path, daily: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, config = _delivered(tmp_path, daily)
    web = config.source("web")
    first = sorted((data / "web").iterdir())[0]
    with connect(config.warehouse_path) as con:
        (done,) = [
            f
            for f in ingest_source(con, config, web, TEST_KEY).files
            if f.file.endswith(first.name)
        ]
        before = _loaded(con)
        copy = data / "web" / ("copy-" + first.name)
        shutil.copy(first, copy)
        # the copy's load starts before the first one's publish is visible to it: its first
        # check finds nothing, the one at its publish finds the first load
        real, calls = load.already_loaded, []

        def not_yet_then_real(c: duckdb.DuckDBPyConnection, digest: str) -> bool:
            calls.append(digest)
            return len(calls) > 1 and real(c, digest)

        monkeypatch.setattr(load, "already_loaded", not_yet_then_real)
        result = load.load_file(con, web, copy, TEST_KEY, display_name=copy.name)
        assert (result.status, result.sha256) == ("skipped", done.sha256)
        assert len(calls) == 2  # the first check, and the one at its publish
        assert _loaded(con) == before
