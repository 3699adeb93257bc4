"""The schedule in the repo: prefect.yaml's deployment registers with its cron and
parameters, and journeymine serve runs the nightly on its schedule and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from journeymine.generate import GeneratedSample
from tests.conftest import REPO, write_config

pytestmark = pytest.mark.flow


def test_the_deployment_in_prefect_yaml_registers_its_schedule_and_parameters(
    prefect_api: None,
) -> None:
    from pipelines.nightly import nightly
    from prefect.client.orchestration import get_client
    from prefect.schedules import Cron

    spec = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    (deployment,) = spec["deployments"]
    assert deployment["entrypoint"] == "pipelines/nightly.py:nightly"
    (schedule,) = deployment["schedules"]
    assert (schedule["cron"], schedule["timezone"]) == ("0 2 * * *", "UTC")
    runner = nightly.to_deployment(
        name=deployment["name"],
        schedules=[Cron(schedule["cron"], timezone=schedule["timezone"])],
        parameters=deployment["parameters"],
    )
    deployment_id = runner.apply()

    async def read() -> tuple[object, ...]:
        async with get_client() as client:
            found = await client.read_deployment(deployment_id)
            return (
                found.name,
                found.parameters,
                [(s.schedule.cron, s.schedule.timezone) for s in found.schedules],  # type: ignore[union-attr]
            )

    assert asyncio.run(read()) == (
        "nightly",
        {"config_path": "journeymine.yaml"},
        [("0 2 * * *", "UTC")],
    )


def _servers_of(prefect_home: Path) -> list[int]:
    """Processes still running with this PREFECT_HOME (the local server, its children)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if f"PREFECT_HOME={prefect_home}".encode() in environ.split(b"\0"):
            found.append(int(proc.name))
    return found


def test_journeymine_serve_runs_the_nightly_on_its_schedule_and_stops_on_sigterm(
    tmp_path: Path, sample: GeneratedSample
) -> None:
    """Served without a Prefect server of its own, the schedule really runs the nightly (a
    local server with its scheduler creates the runs; Prefect's temporary API has no
    scheduler and never would), and SIGTERM stops the process and that server."""
    import duckdb

    config = write_config(tmp_path, sample.out_dir)
    home = tmp_path / "prefect"
    env = {**os.environ, "PREFECT_HOME": str(home), "PYTHONUNBUFFERED": "1",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_RUNNER_POLL_FREQUENCY": "2"}  # fmt: skip
    env.pop("PREFECT_API_URL", None)
    # output to a file, not a pipe: a pipe nobody reads once the run is seen fills up with the
    # next runs' logs and blocks the process, which then cannot stop on SIGTERM
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        serve = subprocess.Popen(
            [sys.executable, "-m", "journeymine.cli", "serve", "--config", str(config),
             "--cron", "* * * * *", "--timezone", "Europe/Paris"],
            env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    deadline = time.monotonic() + 240  # server start, the next minute, the run

    def finished(text: str) -> bool:
        return any("Finished in state" in line and "Flow run" in line for line in text.split("\n"))

    try:
        text = log.read_text()
        while not finished(text) and time.monotonic() < deadline and serve.poll() is None:
            time.sleep(1)
            text = log.read_text()
        assert (
            "serving the nightly flow as deployment 'nightly': cron '* * * * *' (Europe/Paris)"
            in text
        ), text[-3000:]
        assert "Prefect server with its scheduler on http://127.0.0.1:" in text, text[-3000:]
        assert "is being served" in text, text[-3000:]
        assert "Finished in state Completed()" in text, text[-3000:]
    finally:
        serve.send_signal(signal.SIGTERM)
        try:  # pausing the deployment and stopping the server: seconds, more on a busy machine
            code = serve.wait(timeout=120)
        except subprocess.TimeoutExpired:
            for pid in [serve.pid, *_servers_of(home)]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            raise AssertionError(
                "serve did not stop within 120 s of SIGTERM:\n" + log.read_text()[-3000:]
            ) from None
    assert code in (0, -signal.SIGTERM, 128 + signal.SIGTERM, 143)
    deadline = time.monotonic() + 30
    while _servers_of(home) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _servers_of(home) == []  # the local server went with it
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        runs = con.execute("select status, run_id from runs").fetchall()
    # the scheduled run, with its Prefect flow run id
    assert any(status == "success" and run_id for status, run_id in runs), runs
