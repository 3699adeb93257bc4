"""``journeymine export``: XES, Parquet and BPMN from the analysts' copy, checked by readers."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from journeymine.cli import main
from journeymine.config import load_config
from journeymine.export import write_xes
from journeymine.generate import GeneratedSample
from journeymine.identity import stitch
from journeymine.mapping import load_map
from journeymine.mine import mine
from journeymine.warehouse import connect, publish
from tests.conftest import ingest_all, write_config
from tests.mining import SAMPLE_MAP

# pm4py suggests an optional faster reader when it reads XES; its own is the one we check with
pytestmark = pytest.mark.filterwarnings("ignore:Install the optional requirement:UserWarning")

XES = "{http://www.xes-standard.org/}"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"


def _pm4py() -> ModuleType:
    """pm4py, as an independent reader of what we write (its banner kept out of the output)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        import pm4py
        from pm4py.util import constants
    constants.SHOW_PROGRESS_BAR = False
    return pm4py


@dataclass(frozen=True)
class Published:
    config: Path
    copy: Path
    discovered: Path  # the run's discovered_journeys.bpmn


@pytest.fixture(scope="module")
def published(sample: GeneratedSample, tmp_path_factory: pytest.TempPathFactory) -> Published:
    """The sample ingested, stitched and mined into a configured warehouse, then published."""
    directory = tmp_path_factory.mktemp("export")
    config = load_config(write_config(directory, sample.out_dir))
    with connect(config.warehouse_path) as con:
        ingest_all(con, config)
        stitch(con)
        mine(con, config, load_map(SAMPLE_MAP), export_dir=config.outputs_path)
    copy = publish(config.warehouse_path)
    return Published(directory / "journeymine.yaml", copy, config.outputs_path)


def _query(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def _export(*args: str | Path) -> int:
    return main(["export", *(str(a) for a in args)])


# --------------------------------------------------------------------------- XES


def test_xes_read_back_by_pm4py_has_the_warehouse_journeys_events_and_variants(
    published: Published, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "log" / "journeys.xes"
    assert _export("--config", published.config, "--xes", target) == 0

    [(events, journeys)] = _query(
        published.copy, "select count(*), count(distinct journey_id) from journey_steps"
    )
    assert events > 2000 and journeys > 500
    assert f"{target}: {journeys} journeys, {events} events (XES)" in capsys.readouterr().out

    log = _pm4py().read_xes(str(target))
    assert len(log) == events
    assert log["case:concept:name"].nunique() == journeys
    variants = {
        tuple(k): v if isinstance(v, int) else len(v) for k, v in _pm4py().get_variants(log).items()
    }
    expected = dict(
        (tuple(sequence.split(" > ")), n)
        for sequence, n in _query(published.copy, "select sequence, journeys from variants")
    )
    assert len(variants) == len(expected) > 50
    assert variants == expected

    # one journey, attribute by attribute: customer, touchpoints in step order, UTC times
    [(journey_id,)] = _query(
        published.copy,
        "select journey_id from journey_steps group by all order by count(*) desc, 1 limit 1",
    )
    steps = _query(
        published.copy,
        "select customer_id, touchpoint, channel, occurred_at from journey_steps "
        "where journey_id = ? order by step",
        [journey_id],
    )
    trace = log[log["case:concept:name"] == journey_id]
    assert len(steps) >= 5
    assert list(trace["case:customer_id"]) == [s[0] for s in steps]
    assert list(trace["concept:name"]) == [s[1] for s in steps]
    assert list(trace["org:resource"]) == [s[2] for s in steps]
    assert list(trace["lifecycle:transition"]) == ["complete"] * len(steps)
    assert [t.to_pydatetime() for t in trace["time:timestamp"]] == [
        s[3].replace(tzinfo=dt.UTC) for s in steps
    ]


def test_xes_is_the_same_whatever_the_batch_size_and_gzipped_when_named_gz(
    published: Published, tmp_path: Path
) -> None:
    """Traces continue across Arrow batches: small batches cut most of them in two."""
    with connect(published.copy, read_only=True) as con:
        whole = write_xes(con, tmp_path / "whole.xes", batch_rows=1_000_000)
        small = write_xes(con, tmp_path / "small.xes", batch_rows=7)
        packed = write_xes(con, tmp_path / "packed.xes.gz")
    assert (
        (whole.traces, whole.events)
        == (small.traces, small.events)
        == (
            packed.traces,
            packed.events,
        )
    )
    text = whole.path.read_bytes()
    assert small.path.read_bytes() == text
    assert gzip.decompress(packed.path.read_bytes()) == text
    root = ET.fromstring(text)
    assert len(root.findall(f"{XES}trace")) == whole.traces
    assert len(root.findall(f"{XES}trace/{XES}event")) == whole.events
    assert not list(tmp_path.glob(".*partial"))


HOSTILE = [
    # journey_id, customer_id, step, touchpoint, channel
    ('j1<>&"a"', "c&amp;<x>", 1, '<script>alert("x")</script>', "web"),
    ('j1<>&"a"', "c&amp;<x>", 2, 'it\'s "quoted" & <bold>', "chat"),
    ('j1<>&"a"', "c&amp;<x>", 3, "line\nbreak\ttab\r", "web"),
    ("j2", "]]><!-- x -->", 1, "bell\x07nul\x00 ünïcödé 🚲", "social"),
    ("j2", "]]><!-- x -->", 2, "&#60;not a reference", "web"),
]


@pytest.fixture
def hostile_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table journey_steps (journey_id varchar, customer_id varchar, step bigint, "
            "touchpoint varchar, channel varchar, occurred_at timestamp)"
        )
        t0 = dt.datetime(2026, 9, 1, 8, 0, 0, 250_000)
        con.executemany(
            "insert into journey_steps values (?, ?, ?, ?, ?, ?)",
            [(*row, t0 + dt.timedelta(minutes=i)) for i, row in enumerate(HOSTILE)],
        )
    return path


def test_hostile_strings_make_valid_xes_that_reads_back_as_written(
    hostile_warehouse: Path, tmp_path: Path
) -> None:
    target = tmp_path / "hostile.xes"
    assert _export("--database", hostile_warehouse, "--xes", target) == 0

    root = ET.parse(target).getroot()  # raises on invalid XML
    traces = root.findall(f"{XES}trace")

    def attrs(element: ET.Element) -> dict[str, str]:
        return {a.get("key", ""): a.get("value", "") for a in element if a.tag != f"{XES}event"}

    assert [attrs(t) for t in traces] == [
        {"concept:name": 'j1<>&"a"', "customer_id": "c&amp;<x>"},
        {"concept:name": "j2", "customer_id": "]]><!-- x -->"},
    ]
    touchpoints = [attrs(e)["concept:name"] for t in traces for e in t.findall(f"{XES}event")]
    # what XML 1.0 cannot hold at all (NUL, BEL) becomes U+FFFD; everything else survives
    assert touchpoints == [
        '<script>alert("x")</script>',
        'it\'s "quoted" & <bold>',
        "line\nbreak\ttab\r",
        "bell\ufffdnul\ufffd ünïcödé 🚲",
        "&#60;not a reference",
    ]
    first = attrs(traces[0].findall(f"{XES}event")[0])
    assert first["time:timestamp"] == "2026-09-01T08:00:00.250000+00:00"
    assert first["org:resource"] == "web"

    log = _pm4py().read_xes(str(target))
    assert list(log["concept:name"]) == touchpoints
    assert list(log["case:customer_id"]) == ["c&amp;<x>"] * 3 + ["]]><!-- x -->"] * 2


# --------------------------------------------------------------------------- Parquet


def test_parquet_has_the_process_mining_columns_and_every_journey_step(
    published: Published, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _export("--config", published.config, "--parquet", tmp_path / "pq") == 0
    path = tmp_path / "pq" / "event_log.parquet"
    table = pq.read_table(path)
    assert table.column_names == [
        "case:concept:name",
        "concept:name",
        "time:timestamp",
        "org:resource",
        "case:customer_id",
    ]
    assert str(table.schema.field("time:timestamp").type) == "timestamp[us, tz=UTC]"
    expected = _query(
        published.copy,
        "select journey_id, touchpoint, occurred_at, channel, customer_id from journey_steps "
        "order by journey_id, step",
    )
    assert table.num_rows == len(expected) > 2000
    rows = [
        (case, activity, at.replace(tzinfo=None), resource, customer)
        for case, activity, at, resource, customer in zip(
            *(table.column(i).to_pylist() for i in range(5)), strict=True
        )
    ]
    assert rows == expected  # sorted by case, then time, as journey_steps orders its steps
    assert f"{path}: {len(expected)} events of" in capsys.readouterr().out


# --------------------------------------------------------------------------- BPMN


def test_bpmn_designed_map_reads_back_as_the_map_and_the_discovered_model_is_copied(
    published: Published, tmp_path: Path
) -> None:
    out = tmp_path / "bpmn"
    assert _export("--config", published.config, "--bpmn", out) == 0
    designed = out / "designed_map.bpmn"

    back, original = load_map(designed), load_map(SAMPLE_MAP)
    assert list(back.touchpoints) == list(original.touchpoints)
    assert set(back.transitions) == set(original.transitions) and len(back.transitions) > 20
    assert sorted(back.entries) == sorted(original.entries)
    assert sorted(back.goals) == sorted(original.goals)

    root = ET.parse(designed).getroot()
    process = root.find(f"{BPMN}process")
    assert process is not None
    tasks = [t.get("name") for t in process.findall(f"{BPMN}task")]
    assert tasks == list(original.touchpoints)  # named like the XES log's activities
    nodes = {el.get("id") for el in process if el.tag != f"{BPMN}sequenceFlow"}
    shapes = {s.get("bpmnElement") for s in root.iter(f"{BPMNDI}BPMNShape")}
    flows = {f.get("id") for f in process.findall(f"{BPMN}sequenceFlow")}
    edges = {e.get("bpmnElement") for e in root.iter(f"{BPMNDI}BPMNEdge")}
    assert shapes == nodes and edges == flows  # laid out: every node and flow is drawn
    _pm4py().read_bpmn(str(designed))  # pm4py reads it too

    # the same map gives the same file
    again = tmp_path / "again"
    assert _export("--config", published.config, "--bpmn", again) == 0
    assert (again / "designed_map.bpmn").read_bytes() == designed.read_bytes()

    copied = out / "discovered_journeys.bpmn"
    assert copied.read_bytes() == (published.discovered / "discovered_journeys.bpmn").read_bytes()
    assert ET.parse(copied).getroot().find(f"{BPMN}process") is not None


def test_bpmn_from_a_database_file_writes_the_designed_map_only(
    published: Published, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _export("--database", published.copy, "--bpmn", tmp_path) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["designed_map.bpmn"]
    assert "use --config" in capsys.readouterr().out


def test_a_warehouse_never_mined_has_no_designed_map_to_export(
    hostile_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _export("--database", hostile_warehouse, "--bpmn", tmp_path / "b") == 2
    assert "holds no designed map" in capsys.readouterr().err
    assert not (tmp_path / "b" / "designed_map.bpmn").exists()


# --------------------------------------------------------------------------- errors


def test_a_missing_database_file_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.duckdb"
    assert _export("--database", missing, "--xes", tmp_path / "x.xes") == 2
    assert capsys.readouterr().err.strip() == (
        f"journeymine: error: {missing}: no such database file"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_unpublished_copy_exits_2_naming_it_and_how_to_make_it(
    sample: GeneratedSample, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, sample.out_dir)
    assert _export("--config", config, "--parquet", tmp_path / "pq") == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'warehouse-analytics.duckdb'}: the analysts' copy does not exist" in err
    assert "make run" in err
    assert not (tmp_path / "pq").exists()


def test_nothing_to_export_exits_2(
    published: Published, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _export("--config", published.config) == 2
    assert "nothing to export" in capsys.readouterr().err
