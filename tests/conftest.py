"""Shared fixtures: a generated sample, configurations pointing at it, loaded warehouses."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from journeymine.config import Config, load_config
from journeymine.generate import GeneratedSample, generate
from journeymine.identity import stitch
from journeymine.ingest import SourceReport, ingest_source
from journeymine.pii import HmacKey
from journeymine.warehouse import connect

pytest_plugins = ["tests.mining"]  # mined-sample fixtures, shared by tests/mine and tests/flags

REPO = Path(__file__).resolve().parents[1]
# the sample's own configuration (make run); paths in it are relative to data/sample
SAMPLE_CONFIG = REPO / "data" / "sample" / "journeymine.yaml"
TEST_KEY = HmacKey.from_secret("test-secret-for-journeymine-tests")


def write_config(
    directory: Path,
    data_dir: Path,
    *,
    overrides: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
) -> Path:
    """The repository's sample configuration, pointed at ``data_dir``, with ``overrides`` of
    its sources (by name) and top-level ``settings``; returns its path."""
    raw = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8")) | (settings or {})
    raw["warehouse"] = str(directory / "warehouse.duckdb")
    raw["map"] = str(SAMPLE_CONFIG.parent / raw["map"])
    raw["outputs"] = str(directory / "out")
    for source in raw["sources"]:
        source["path"] = str(data_dir / source["path"])
    for name, changes in (overrides or {}).items():
        for source in raw["sources"]:
            if source["name"] == name:
                source.update(changes)
    path = directory / "journeymine.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def deliver(days: Sequence[dict[str, Path]], data_dir: Path) -> None:
    """Deliver generated daily files to ``data_dir`` as one file per source (the days
    concatenated, one CSV header): many days of history cost one load per source."""
    if not days:
        return
    for channel, first in days[0].items():
        target = data_dir / channel / first.name
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            for n, day in enumerate(days):
                lines = day[channel].read_bytes().splitlines(keepends=True)
                out.writelines(lines[1:] if n and first.suffix == ".csv" else lines)


def customer_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The stitched customers that have events."""
    return {c for (c,) in con.execute("select distinct customer_id from events").fetchall() if c}


def ingest_all(con: duckdb.DuckDBPyConnection, config: Config) -> list[SourceReport]:
    return [ingest_source(con, config, s, TEST_KEY) for s in config.sources]


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSample:
    """A small generated sample with stories and broken records (same seed as data/sample)."""
    return generate(tmp_path_factory.mktemp("sample"), 3000, seed=11)


@pytest.fixture(scope="session")
def loaded(
    sample: GeneratedSample, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Config, duckdb.DuckDBPyConnection, list[SourceReport]]]:
    """The sample ingested and stitched once; tests only read from it."""
    directory = tmp_path_factory.mktemp("loaded")
    config = load_config(write_config(directory, sample.out_dir))
    con = connect(config.warehouse_path)
    reports = ingest_all(con, config)
    stitch(con)
    yield config, con, reports
    con.close()


@pytest.fixture(autouse=True, scope="session")
def _quiet_prefect(tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ.setdefault("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect-home")))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
