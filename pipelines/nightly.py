"""The nightly flow: ingest every source, then stitch identities.

DuckDB allows one writer per file, so tasks that write run one after another, each with its
own connection. A locked warehouse is the one transient failure worth retrying; a bad file is
not an exception at all (the library records it as a failed load and goes on).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from journeymine.config import Config, load_config
from journeymine.errors import WarehouseError
from journeymine.identity import StitchReport, stitch
from journeymine.ingest import SourceReport, ingest_source
from journeymine.pii import load_key
from journeymine.summary import failed_files, format_summary
from journeymine.warehouse import connect, publish


def _retry_if_locked(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only when the warehouse was locked by another process."""
    try:
        state.result()
    except WarehouseError:
        return True
    except Exception:
        return False
    return False


_WRITER = {
    "retries": 3,
    "retry_delay_seconds": 20,
    "retry_condition_fn": _retry_if_locked,
    "cache_policy": NO_CACHE,
}


@task(name="ingest-source", task_run_name="ingest {source_name}", **_WRITER)
def ingest_source_task(config: Config, source_name: str) -> SourceReport:
    # the key is derived here, never passed as a task parameter that Prefect could record
    key = load_key(
        config.pii.secret_env, allow_development_secret=config.pii.allow_development_secret
    )
    with connect(config.warehouse_path) as con:
        return ingest_source(con, config, config.source(source_name), key)


@task(name="stitch-identities", **_WRITER)
def stitch_task(config: Config) -> StitchReport:
    with connect(config.warehouse_path) as con:
        return stitch(con)


@task(name="publish-warehouse", **_WRITER)
def publish_task(config: Config) -> Path:
    return publish(config.warehouse_path)


@dataclass(frozen=True)
class NightlyResult:
    sources: tuple[SourceReport, ...]
    stitch: StitchReport
    published: Path

    @property
    def ok(self) -> bool:
        return not failed_files(self.sources)

    def summary(self) -> str:
        return (
            format_summary(self.sources)
            + f"\n\ncustomers: {self.stitch.customers} stitched from {self.stitch.nodes} "
            f"identifiers ({self.stitch.events_updated} events re-pointed)"
            f"\nanalysts' copy: {self.published}"
        )


@flow(name="journeymine-nightly")
def nightly(config_path: str = "journeymine.yaml") -> NightlyResult:
    """Run the nightly pipeline once with the configuration at ``config_path``."""
    logger = get_run_logger()
    config = load_config(config_path)
    logger.info("warehouse %s, %d source(s)", config.warehouse_path, len(config.sources))
    reports = tuple(ingest_source_task(config, s.name) for s in config.sources)
    stitched = stitch_task(config)
    result = NightlyResult(reports, stitched, publish_task(config))
    for line in result.summary().splitlines():
        logger.info(line)
    return result


def run(config_path: Path | str) -> NightlyResult:
    """Run the flow once (Prefect's ephemeral local API when no server is configured)."""
    return nightly(str(config_path))
