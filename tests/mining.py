"""Mining fixtures: a hand-made event log, and mined generated samples."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from journeymine.config import Config, load_config
from journeymine.flags import Flag, raise_flags
from journeymine.generate import GeneratedSample, generate
from journeymine.identity import stitch
from journeymine.mapping import JourneyMap, load_map
from journeymine.mine import MiningReport, mine
from journeymine.warehouse import connect
from tests.conftest import REPO, ingest_all, write_config

SAMPLE_MAP = REPO / "data" / "sample" / "journey_map.yaml"


T0 = datetime(2026, 9, 1)  # day 0 of events_warehouse's logs, a Tuesday


def events_warehouse(journeys: dict[str, list[tuple[str, float]]]) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse whose events are ``customer -> [(touchpoint, day), ...]``."""
    con = connect(":memory:")
    rows = [
        (f"{customer}-{i}", "web", "web", T0 + timedelta(days=day), customer, tp, "page_view", 1, i)
        for customer, steps in journeys.items()
        for i, (tp, day) in enumerate(steps)
    ]
    if not rows:
        return con
    columns = [list(c) for c in zip(*rows, strict=True)]
    con.execute(
        "insert into events (event_id, source, channel, occurred_at, customer_id, touchpoint, "
        "event_name, load_id, record_no) select unnest(?), unnest(?), unnest(?), unnest(?), "
        "unnest(?), unnest(?), unnest(?), unnest(?), unnest(?)",
        columns,
    )
    return con


def add_events(
    con: duckdb.DuckDBPyConnection, customer: str, steps: list[tuple[str, float]]
) -> None:
    """A later load (load 2) of ``customer``'s ``(touchpoint, day)`` events, already stitched."""
    for i, (touchpoint, day) in enumerate(steps):
        con.execute(
            "insert into events (event_id, source, channel, occurred_at, customer_id, "
            "touchpoint, event_name, load_id, record_no) values (?, 'web', 'web', ?, ?, ?, "
            "'page_view', 2, ?)",
            [f"{customer}-later-{i}", T0 + timedelta(days=day), customer, touchpoint, i],
        )


Mined = tuple[duckdb.DuckDBPyConnection, MiningReport, list[Flag], GeneratedSample]


def _mined(tmp: Path, events: int, stories: bool, seed: int) -> Iterator[Mined]:
    sample = generate(tmp / "data", events, seed=seed, stories=stories)
    config: Config = load_config(write_config(tmp, tmp / "data"))
    con = connect(config.warehouse_path)
    ingest_all(con, config)
    stitch(con)
    report = mine(con, config, load_map(SAMPLE_MAP), export_dir=tmp / "out")
    flags = raise_flags(con, config.mining)
    yield con, report, flags, sample
    con.close()


@pytest.fixture(scope="session")
def sample_map() -> JourneyMap:
    return load_map(SAMPLE_MAP)


@pytest.fixture(scope="session")
def mined_stories(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mined]:
    yield from _mined(tmp_path_factory.mktemp("stories"), 20_000, True, 21)


@pytest.fixture(scope="session")
def mined_clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mined]:
    yield from _mined(tmp_path_factory.mktemp("clean"), 20_000, False, 22)
