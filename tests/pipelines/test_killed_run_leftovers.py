"""A run killed with SIGKILL leaves the orchestrator's server running; the next run stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from journeymine import leftovers
from journeymine.generate import GeneratedSample
from tests.conftest import write_config

pytestmark = pytest.mark.flow


def _server_pids(warehouse: Path) -> list[int]:
    return [pid for pid, _ in leftovers._marked_processes(warehouse)]


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc (Linux)")
def test_the_next_run_stops_the_server_a_killed_run_left(
    tmp_path: Path, sample: GeneratedSample
) -> None:
    config = write_config(tmp_path, sample.out_dir)
    warehouse = tmp_path / "warehouse.duckdb"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PYTHONUNBUFFERED": "1"}
    env.pop("PREFECT_API_URL", None)
    run = subprocess.Popen(
        [sys.executable, "-m", "journeymine.cli", "run", "--config", str(config)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert run.stderr is not None
    deadline = time.monotonic() + 120
    for line in run.stderr:  # wait until the flow itself is running on the temporary server
        if "Beginning flow run" in line or time.monotonic() > deadline:
            break
    children = [p for p in _server_pids(warehouse) if p != run.pid]
    assert children, "the run started no marked child process"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    partial = tmp_path / ".warehouse-analytics.duckdb.partial"
    partial.write_bytes(b"half a copy")  # as if it died while publishing

    time.sleep(0.5)
    assert all(leftovers._alive(p) for p in children)  # orphans now, serving nobody

    stopped = leftovers.reap(warehouse)

    assert sorted(stopped) == sorted(children)
    assert not any(leftovers._alive(p) for p in children)
    assert not partial.exists()
    assert leftovers.reap(warehouse) == []  # nothing left the second time


def test_a_live_run_is_never_reaped(tmp_path: Path) -> None:
    """Another run on the same warehouse that is still alive keeps its server and its copy."""
    warehouse = tmp_path / "warehouse.duckdb"
    code = (
        "import os, subprocess, sys, time\n"
        "from pathlib import Path\n"
        "from journeymine import leftovers\n"
        f"leftovers.mark_run(Path({str(warehouse)!r}))\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    owner = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    child = int(owner.stdout.readline())
    partial = tmp_path / ".warehouse-analytics.duckdb.partial"
    partial.write_bytes(b"being written")
    try:
        assert leftovers.reap(warehouse) == []
        assert leftovers._alive(child)
        assert partial.exists()
    finally:
        owner.kill()
        owner.wait()
    time.sleep(0.2)
    assert leftovers.reap(warehouse) == [child]  # its owner is gone now


def test_a_process_still_execing_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Right after a live run starts a child, the child's environment can read empty (its
    parent resumes from vfork before exec has set it up; measured here under load: 11 of 60
    children at first read). Such a process is read again, not taken as unmarked."""
    warehouse = tmp_path / "warehouse.duckdb"
    marked = f"{leftovers.MARK}=4242:{warehouse.resolve()}".encode()
    reads: dict[str, int] = {}

    def environ(pid: str) -> bytes | None:
        if pid != "777":
            return None
        reads[pid] = reads.get(pid, 0) + 1
        return b"" if reads[pid] < 3 else b"PATH=/bin\0" + marked + b"\0"

    monkeypatch.setattr(leftovers, "_environ", environ)
    monkeypatch.setattr(leftovers, "_execing", lambda pid: pid == "777")
    monkeypatch.setattr(leftovers.Path, "glob", lambda self, pattern: [Path("/proc/777")])
    assert leftovers._marked_processes(warehouse) == [(777, 4242)]
    assert reads == {"777": 3}
    # a process that stays empty (started with no environment) costs at most the settle time
    monkeypatch.setattr(leftovers, "_environ", lambda pid: b"")
    started = time.monotonic()
    assert leftovers._marked_processes(warehouse, settle_seconds=0.2) == []
    assert time.monotonic() - started < 1.0
