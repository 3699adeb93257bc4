"""A warehouse locked by another process: retried by Prefect, exit code 3 when it stays so."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from journeymine.generate import GeneratedSample
from tests.conftest import write_config

pytestmark = pytest.mark.flow

WRITER_TASKS = (
    "ingest_source_task", "stitch_task", "mine_task", "report_task", "publish_task",
)  # fmt: skip


@contextmanager
def _held(path: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process opens the warehouse for writing and keeps it for ``seconds``."""
    code = (
        "import sys, time, duckdb\n"
        f"con = duckdb.connect({str(path)!r})\n"
        "print('holding', flush=True)\n"
        f"time.sleep({seconds})\n"
        "con.close()\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "holding"
    try:
        yield holder
    finally:
        holder.kill()
        holder.wait()


@pytest.fixture()
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The flow's own retry policy (count and condition), with a short delay for the test."""
    import pipelines.nightly as nightly
    from prefect.tasks import Task

    writers = [name for name, v in vars(nightly).items() if isinstance(v, Task)]
    assert set(WRITER_TASKS) <= set(writers)
    for name in writers:
        task = getattr(nightly, name)
        monkeypatch.setattr(nightly, name, task.with_options(retry_delay_seconds=1.5))


def test_a_briefly_locked_warehouse_is_retried_and_the_run_succeeds(
    prefect_api: None,
    fast_retries: None,
    tmp_path: Path,
    sample: GeneratedSample,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from journeymine.cli import main

    monkeypatch.setenv("JOURNEYMINE_PII_SECRET", "a-test-secret-of-enough-length")
    config_path = write_config(tmp_path, sample.out_dir)
    with _held(tmp_path / "warehouse.duckdb", seconds=2.5):
        started = time.monotonic()
        code = main(["run", "--config", str(config_path)])
    # it waited for the other process, then loaded everything: the retries did it
    assert time.monotonic() - started > 2.0
    assert code == 0
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        statuses = con.execute("select status from loads").fetchall()
    assert statuses == [("loaded",)] * 3


def test_a_warehouse_locked_through_every_retry_exits_3(
    prefect_api: None,
    fast_retries: None,
    tmp_path: Path,
    sample: GeneratedSample,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from journeymine.cli import main

    monkeypatch.setenv("JOURNEYMINE_PII_SECRET", "a-test-secret-of-enough-length")
    config_path = write_config(tmp_path, sample.out_dir)
    with _held(tmp_path / "warehouse.duckdb", seconds=120) as holder:
        assert main(["run", "--config", str(config_path)]) == 3
        err = capsys.readouterr().err
    assert f"the warehouse is locked (held by process {holder.pid})" in err
