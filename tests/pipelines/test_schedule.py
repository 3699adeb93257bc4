"""The schedule in the repo: prefect.yaml's deployment registers with its cron and
parameters, and journeymine serve starts, shows its schedule and stops on SIGTERM."""

from __future__ import annotations

import asyncio
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


def test_journeymine_serve_shows_its_schedule_and_stops_on_sigterm(
    tmp_path: Path, sample: GeneratedSample
) -> None:
    config = write_config(tmp_path, sample.out_dir)
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PYTHONUNBUFFERED": "1",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}  # fmt: skip
    env.pop("PREFECT_API_URL", None)
    serve = subprocess.Popen(
        [sys.executable, "-m", "journeymine.cli", "serve", "--config", str(config),
         "--cron", "30 3 * * *", "--timezone", "Europe/Paris"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert serve.stdout is not None
    seen, deadline = [], time.monotonic() + 150
    try:
        for line in serve.stdout:
            seen.append(line)
            if "is being served" in line or time.monotonic() > deadline:
                break
        text = "".join(seen)
        assert (
            "serving the nightly flow as deployment 'nightly': cron '30 3 * * *' (Europe/Paris)"
            in text
        )
        assert "is being served" in text, text
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            code = serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serve.kill()
            raise
    assert code in (0, -signal.SIGTERM, 128 + signal.SIGTERM, 143)
