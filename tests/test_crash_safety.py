"""Kill the pipeline (SIGKILL, a real process) at each step; the rerun must leave exactly what
one clean run leaves, and the killed run must never leave a mix of two runs behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from journeymine.generate import GeneratedSample, generate
from tests.conftest import deliver, write_config

# Columns that say when something happened, not what: they differ between any two runs.
_CLOCK_COLUMNS = {
    ("loads", "started_at"), ("loads", "finished_at"), ("quarantine", "quarantined_at"),
    ("flags", "flagged_at"), ("touchpoint_history", "computed_at"),
    ("touchpoint_trend", "computed_at"),
}  # fmt: skip

# The pipeline as the nightly flow runs it, step by step, in a child process that kills itself
# with SIGKILL when the model named in argv[2] is loaded for the argv[3]-th time.
_CHILD = """
import os, signal, sys
from journeymine import sql
from journeymine.config import load_config
from journeymine.analysis import analyse
from journeymine.identity import stitch
from journeymine.ingest import ingest_source, load
from journeymine.mapping import load_map
from journeymine.pii import HmacKey
from journeymine.warehouse import connect, publish

config_path, kill_model, kill_nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
load.CHUNK_ROWS = 700  # several chunks per file, so a kill can land between two of them
real_load, calls = sql.load, {}

def load_or_die(name):
    calls[name] = calls.get(name, 0) + 1
    if name == kill_model and calls[name] == kill_nth:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_load(name)

sql.load = load_or_die
config = load_config(config_path)
key = HmacKey.from_secret("test-secret-for-journeymine-tests")
with connect(config.warehouse_path) as con:
    for source in config.sources:
        ingest_source(con, config, source, key)
    stitch(con)
    analyse(con, config, load_map(config.map_path), incremental=True)
if kill_model == "publish":
    import journeymine.warehouse
    def copy_half_and_die(src, dst):
        with open(src, "rb") as f, open(dst, "wb") as out:
            out.write(f.read(os.path.getsize(src) // 2))
        os.kill(os.getpid(), signal.SIGKILL)
    journeymine.warehouse._clone_or_copy = copy_half_and_die
publish(config.warehouse_path)
"""


def _run(config_path: Path, kill_model: str = "-", kill_nth: int = 0) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(config_path), kill_model, str(kill_nth)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": ""},
    )  # fmt: skip
    if done.returncode not in (0, -9):
        raise AssertionError(done.stderr)
    return done.returncode


def _snapshot(path: Path) -> dict[str, Any]:
    """Every table's and view's rows, sorted, without clock columns."""
    out: dict[str, Any] = {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() union all "
            "select schema_name, view_name from duckdb_views() where not internal order by all"
        ).fetchall()
        for schema, table in tables:
            cols = [
                c for (c,) in con.execute(
                    "select column_name from duckdb_columns() "
                    "where schema_name = ? and table_name = ? order by column_index",
                    [schema, table],
                ).fetchall() if (table, c) not in _CLOCK_COLUMNS
            ]  # fmt: skip
            listed = ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(f'select {listed} from "{schema}"."{table}"').fetchall()
            out[f"{schema}.{table}"] = sorted(map(_rounded, rows), key=repr)
    return out


def _rounded(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Floats to 9 significant digits: sums over rows in another physical order (an
    incremental night inserts, DuckDB's threads interleave) differ in the last bits."""
    return tuple(float(f"{v:.9g}") if isinstance(v, float) else v for v in row)


@pytest.fixture(scope="module")
def clean(sample: GeneratedSample, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    directory = tmp_path_factory.mktemp("clean")
    assert _run(write_config(directory, sample.out_dir)) == 0
    return _snapshot(directory / "warehouse.duckdb")


KILL_POINTS = [
    ("ingest/int_records", 2),  # ingesting the first file, between two of its chunks
    ("ingest/int_records", 3),  # a later file, after the first one committed
    ("identity/update_event_customers", 1),  # stitching
    ("mine/stage_funnel", 1),  # mining, half of its tables rebuilt
    ("time/history_replace", 1),  # rewriting the history of the periods that changed
    ("flags/undesigned_transition", 1),  # raising flags, some rules run
    ("publish", 1),  # copying the analysts' copy
]


@pytest.mark.slow
@pytest.mark.parametrize(("model", "nth"), KILL_POINTS)
def test_a_killed_run_rerun_equals_a_clean_run(
    model: str, nth: int, clean: dict[str, Any], sample: GeneratedSample, tmp_path: Path
) -> None:
    config_path = write_config(tmp_path, sample.out_dir)
    assert _run(config_path, model, nth) == -9  # it really died there
    killed = _snapshot(tmp_path / "warehouse.duckdb")
    # what the killed run left is one run or none: mining tables and flags together or neither
    if model.startswith(("ingest", "identity", "mine", "time", "flags")):
        assert "main.flags" not in killed and "main.journeys" not in killed
        assert "main.customers" not in killed or model != "identity/update_event_customers"
    if model == "publish":
        assert killed == clean
        assert not (tmp_path / "warehouse-analytics.duckdb").exists()  # no half copy published

    assert _run(config_path) == 0
    assert _snapshot(tmp_path / "warehouse.duckdb") == clean
    assert _snapshot(tmp_path / "warehouse-analytics.duckdb") == clean
    assert not list(tmp_path.glob(".*.partial"))  # the rerun cleaned up the killed one's copy


# An incremental night: the warehouse holds earlier nights, a new day's files arrive (with
# late events and links to customers seen before), and the run is killed in one of the stages
# that only an incremental night has, or half-way through rebuilding some customers' journeys.
NIGHT_KILL_POINTS = [
    ("identity/int_stitch_customers", 1),  # stitching: the customers whose events change
    ("identity/customers", 1),  # stitching: events re-pointed (some deleted and inserted)
    ("journeys/journey_steps", 1),  # the changed customers' journeys deleted, not rebuilt
    ("mine/int_node_visits", 2),  # their visits rebuilt (the 1st: their old ones), no history
    ("time/period_stats", 1),  # recomputing only the periods the night touched
]


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """Daily deliveries; the warehouse after the first nights, and after one more (clean)."""
    sample = generate(
        tmp_path_factory.mktemp("daily"), 2000, seed=9, daily_files=True, late_share=0.1
    )
    earlier = tmp_path_factory.mktemp("earlier")
    deliver(sample.deliveries[:40], earlier / "data")
    assert _run(write_config(earlier, earlier / "data")) == 0
    clean = tmp_path_factory.mktemp("clean-night")
    shutil.copytree(earlier, clean, dirs_exist_ok=True)
    deliver(sample.deliveries[40:42], clean / "data")
    shutil.copytree(clean / "data", earlier / "tonight")
    assert _run(write_config(clean, clean / "data")) == 0
    return earlier, _snapshot(clean / "warehouse.duckdb")


@pytest.mark.slow
@pytest.mark.parametrize(("model", "nth"), NIGHT_KILL_POINTS)
def test_a_killed_incremental_night_rerun_equals_a_clean_night(
    model: str, nth: int, nights: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    earlier, clean = nights
    shutil.copytree(earlier, tmp_path, dirs_exist_ok=True)
    shutil.copytree(earlier / "tonight", tmp_path / "data", dirs_exist_ok=True)
    config_path = write_config(tmp_path, tmp_path / "data")
    before = _snapshot(tmp_path / "warehouse.duckdb")
    assert _run(config_path, model, nth) == -9  # it really died there
    killed = _snapshot(tmp_path / "warehouse.duckdb")
    # the night's mining is all or nothing: the journeys and flags are still last night's
    for table in ("main.journeys", "main.journey_steps", "main.flags", "main.touchpoint_history"):
        assert killed[table] == before[table], table
    assert _run(config_path) == 0
    assert _snapshot(tmp_path / "warehouse.duckdb") == clean
