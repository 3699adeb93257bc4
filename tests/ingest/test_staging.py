"""What keeps a load's memory bounded by a chunk, and the file all or nothing all the same.

Each chunk is validated and committed into the load's staging tables on its own (so DuckDB
frees the chunk's working tables: inside one transaction it keeps every one until commit),
and the file reaches events, quarantine and the stitch's queue of links only in the final
transaction.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from journeymine.config import Config, load_config
from journeymine.errors import IngestError
from journeymine.generate import GeneratedSample
from journeymine.ingest import ingest_source, load, readers
from journeymine.warehouse import connect
from tests.conftest import REPO, TEST_KEY, write_config

WAREHOUSE = """
select
    (select count(*) from events),
    (select count(*) from quarantine),
    (select count(*) from jm_internal.unstitched_edges),
    (select count(*) from loads)
"""
STAGED = """
select
    (select count(*) from jm_staged_events),
    (select count(*) from jm_staged_quarantine)
"""
STAGING_TABLES = "select count(*) from duckdb_tables() where table_name like '%staged_%'"
OUTCOME = (
    "select event_id, occurred_at, touchpoint, identity_key, record_no from events order by all"
)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "BATCH_BYTES", 16 << 10)  # about 60 rows a batch
    monkeypatch.setattr(load, "CHUNK_ROWS", 300)  # the sample's web file: about 9 chunks


def _config(directory: Path, sample: GeneratedSample) -> Config:
    directory.mkdir()
    return load_config(write_config(directory, sample.out_dir))


def _load_web(con: duckdb.DuckDBPyConnection, config: Config) -> load.FileLoad:
    (result,) = ingest_source(con, config, config.source("web"), TEST_KEY).files
    return result


def _clean_outcome(tmp_path: Path, sample: GeneratedSample) -> list[tuple[Any, ...]]:
    """The web file loaded in one go, with the default chunk size."""
    config = _config(tmp_path / "clean", sample)
    with connect(config.warehouse_path) as con:
        assert _load_web(con, config).status == "loaded"
        return con.execute(OUTCOME).fetchall()


@pytest.mark.usefixtures("small_chunks")
def test_each_chunk_is_committed_to_staging_and_the_file_published_at_once(
    tmp_path: Path, sample: GeneratedSample, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path / "w", sample)
    with connect(config.warehouse_path) as con:
        ingest_source(con, config, config.source("social"), TEST_KEY)
        before = con.execute(WAREHOUSE).fetchall()
        observer = con.cursor()  # another connection: sees committed data only
        seen: list[tuple[Any, ...]] = []
        load_chunk = load._load_chunk

        def observed(*args: Any) -> int:
            done = load_chunk(*args)
            tally = args[-1]
            staged = con.execute(STAGED).fetchall()[0]
            warehouse = observer.execute(WAREHOUSE).fetchall()
            seen.append((staged, (tally.loaded, tally.rejected), warehouse))
            return done

        monkeypatch.setattr(load, "_load_chunk", observed)
        result = _load_web(con, config)

        assert result.status == "loaded" and len(seen) >= 5
        # every chunk's rows were staged as it was done, in temporary tables...
        assert [s[0] for s in seen] == [s[1] for s in seen]
        assert seen[0][0][0] > 0
        assert seen[0][0][0] < seen[-1][0][0] == result.rows_loaded
        # ...while the warehouse, seen from another connection, did not change until the
        # file's final commit
        assert all(s[2] == before for s in seen)
        after = con.execute(WAREHOUSE).fetchall()[0]
        assert after[0] == before[0][0] + result.rows_loaded
        assert after[1] == before[0][1] + result.rows_rejected
        assert con.execute(STAGING_TABLES).fetchall() == [(0,)]


@pytest.mark.usefixtures("small_chunks")
def test_a_failure_after_some_chunks_leaves_nothing(
    tmp_path: Path, sample: GeneratedSample, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = _clean_outcome(tmp_path, sample)
    config = _config(tmp_path / "w", sample)
    load_chunk = load._load_chunk
    calls: list[int] = []

    def failing(*args: Any) -> int:
        calls.append(1)
        if len(calls) == 4:
            raise IngestError("clickstream.csv", "truncated or corrupt gzip data (simulated)")
        return load_chunk(*args)

    with connect(config.warehouse_path) as con:
        monkeypatch.setattr(load, "_load_chunk", failing)
        failed = _load_web(con, config)
        assert failed.status == "failed" and "simulated" in (failed.error or "")
        assert con.execute(WAREHOUSE).fetchall() == [(0, 0, 0, 1)]  # only the failed loads row
        assert con.execute(STAGING_TABLES).fetchall() == [(0,)]

        monkeypatch.setattr(load, "_load_chunk", load_chunk)
        assert _load_web(con, config).status == "loaded"
        assert con.execute(OUTCOME).fetchall() == clean


KILLED_AT_CHUNK_4 = """
import os, signal, sys
from journeymine.config import load_config
from journeymine.ingest import ingest_source, load, readers
from journeymine.warehouse import connect
from tests.conftest import TEST_KEY

readers.BATCH_BYTES = 16 << 10
load.CHUNK_ROWS = 300
load_chunk, calls = load._load_chunk, []

def dying(*args):
    calls.append(1)
    if len(calls) == 4:
        os.kill(os.getpid(), signal.SIGKILL)
    return load_chunk(*args)

load._load_chunk = dying
config = load_config(sys.argv[1])
with connect(config.warehouse_path) as con:
    ingest_source(con, config, config.source("web"), TEST_KEY)
"""


def test_a_load_killed_mid_file_leaves_nothing_and_the_next_run_loads_it_whole(
    tmp_path: Path, sample: GeneratedSample
) -> None:
    clean = _clean_outcome(tmp_path, sample)
    config_path = write_config(tmp_path, sample.out_dir)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AT_CHUNK_4, str(config_path)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    config = load_config(config_path)
    with connect(config.warehouse_path) as con:
        assert con.execute(WAREHOUSE).fetchall() == [(0, 0, 0, 0)]
        # three chunks were staged in temporary tables: gone with the killed connection
        assert con.execute(STAGING_TABLES).fetchall() == [(0,)]
        assert _load_web(con, config).status == "loaded"
        assert con.execute(OUTCOME).fetchall() == clean
        assert con.execute(STAGING_TABLES).fetchall() == [(0,)]


def test_persistent_staging_tables_left_by_an_older_version_are_dropped(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with connect(warehouse) as con:
        con.execute("create table jm_internal.staged_events as select * from events")
    with connect(warehouse) as con:
        assert con.execute(STAGING_TABLES).fetchall() == [(0,)]
