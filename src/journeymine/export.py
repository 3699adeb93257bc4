"""``journeymine export``: the journey log and the journey maps, for other process-mining tools.

It reads the analysts' copy of the warehouse read-only (as ``journeymine sql`` does) and
never ingests or mines:

- **XES** (IEEE 1849): one trace per journey (``concept:name`` the journey id, ``customer_id``
  the customer), its events in step order (``concept:name`` the touchpoint,
  ``time:timestamp`` in UTC, ``lifecycle:transition`` complete, ``org:resource`` the channel).
  Streamed: DuckDB sorts the log and hands it over in Arrow batches, each batch is escaped and
  formatted by Arrow's compute kernels and written as one block of bytes, so memory holds a
  batch, never the log. Gzipped when the file name ends in ``.gz``.
- **Parquet**: the same log under the column names process-mining tools read
  (``case:concept:name``, ``concept:name``, ``time:timestamp``, ``org:resource``,
  ``case:customer_id``), written by DuckDB's ``COPY``, sorted by case and time.
- **BPMN 2.0**: the designed map from the warehouse's ``map_*`` tables (a task per touchpoint,
  named by its id like the log's activities; a start event before the entries, an end event
  after the goals, exclusive gateways where paths split or join), laid out by
  :mod:`journeymine.mine.bpmn_layout`; and the model the last run discovered, copied from its
  outputs folder.

The XES keys and column names are the interchange formats' own vocabulary, the point of this
module; pm4py is not needed to write them (it stays behind ``mine/pm4py_adapter``).
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeymine.errors import JourneymineError

if TYPE_CHECKING:  # imported when the command runs, not when the parser is built
    import duckdb
    import pyarrow as pa

BATCH_ROWS = 16_384
XES_FILE_NAME = "journeys.xes"
PARQUET_FILE_NAME = "event_log.parquet"
DESIGNED_STEM = "designed_map"
DISCOVERED_BPMN = "discovered_journeys.bpmn"  # what a run writes in its outputs folder

_XES_HEADER = """\
<?xml version="1.0" encoding="UTF-8"?>
<!-- the journey log of journeymine: one trace per journey, events in step order -->
<log xes.version="1.0" xes.features="" xmlns="http://www.xes-standard.org/">
\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
\t<extension name="Lifecycle" prefix="lifecycle" \
uri="http://www.xes-standard.org/lifecycle.xesext"/>
\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
\t<global scope="trace">
\t\t<string key="concept:name" value="__INVALID__"/>
\t\t<string key="customer_id" value=""/>
\t</global>
\t<global scope="event">
\t\t<string key="concept:name" value="__INVALID__"/>
\t\t<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
\t\t<string key="lifecycle:transition" value="complete"/>
\t\t<string key="org:resource" value=""/>
\t</global>
\t<classifier name="Touchpoint" keys="concept:name"/>
\t<string key="concept:name" value="journeymine journeys"/>
"""
_XES_FOOTER = "</log>\n"
_TRACE_END = "\t</trace>\n"

# Characters XML 1.0 cannot hold at all, even escaped (RE2 syntax): replaced by U+FFFD.
_NOT_XML = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"
_SPECIAL = r"[\x00-\x1F&<>\"\x{FFFE}\x{FFFF}]"  # anything the next two change
# Attribute-value escapes; & first. Line breaks and tabs as references, or a parser folds
# them into spaces.
_ESCAPES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("\n", "&#10;"),
    ("\r", "&#13;"),
    ("\t", "&#9;"),
)


@dataclass(frozen=True)
class LogExport:
    """An exported journey log: where, and how many journeys (traces) and events it holds."""

    path: Path
    traces: int
    events: int


@dataclass(frozen=True)
class BpmnExport:
    """The BPMN files written; ``discovered`` is None when there was none to copy."""

    designed: Path
    touchpoints: int
    transitions: int
    discovered: Path | None


# --------------------------------------------------------------------------- writing files


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A partial file beside ``path``, moved into place only when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _open_binary(path: Path, *, gzipped: bool) -> io.BufferedIOBase:
    if gzipped:
        return gzip.GzipFile(path, "wb", compresslevel=6)
    return path.open("wb")


# --------------------------------------------------------------------------- XES


def _xml_attr(values: pa.Array) -> pa.Array:
    """Strings as XML attribute values (without the quotes): escaped, null as empty."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = pc.fill_null(values.cast(pa.string()), "")
    if not pc.any(pc.match_substring_regex(out, pattern=_SPECIAL)).as_py():
        return out  # the usual case: nothing to escape, no copies
    out = pc.replace_substring_regex(out, pattern=_NOT_XML, replacement="\ufffd")
    for char, entity in _ESCAPES:
        out = pc.replace_substring(out, pattern=char, replacement=entity)
    return out


def _concat(*parts: Any) -> pa.Array:
    """Row by row, the concatenation of ``parts`` (arrays, or strings repeated on every row)."""
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*parts, "")


def _bytes(lines: pa.Array) -> memoryview:
    """The characters of a string array, end to end, without copying them."""
    import pyarrow as pa

    _, offsets, data = lines.buffers()
    if len(lines) == 0 or data is None:
        return memoryview(b"")
    ends = memoryview(offsets).cast("q" if pa.types.is_large_string(lines.type) else "i")
    return memoryview(data)[ends[lines.offset] : ends[lines.offset + len(lines)]]


def _xes_block(batch: pa.RecordBatch, previous_case: str | None) -> tuple[pa.Array, int]:
    """The XES text of ``batch`` (rows in trace order) and how many traces it opens.

    ``previous_case`` is the journey id of the row before the batch (None at the start of
    the log): a trace opens where the journey id changes, closing the one before it.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    case = batch.column("journey_id").cast(pa.string())
    before = pa.concat_arrays([pa.array([previous_case], pa.string()), case[:-1]])
    opens = pc.fill_null(pc.not_equal(case, before), True)
    closes = pc.and_(opens, pc.is_valid(before))
    stamps = pc.strftime(batch.column("occurred_at"), format="%Y-%m-%dT%H:%M:%S+00:00")
    trace_head = _concat(
        '\t<trace>\n\t\t<string key="concept:name" value="',
        _xml_attr(case),
        '"/>\n\t\t<string key="customer_id" value="',
        _xml_attr(batch.column("customer_id")),
        '"/>\n',
    )
    event = _concat(
        '\t\t<event><string key="concept:name" value="',
        _xml_attr(batch.column("touchpoint")),
        '"/><date key="time:timestamp" value="',
        pc.fill_null(stamps, ""),
        '"/><string key="lifecycle:transition" value="complete"/>'
        '<string key="org:resource" value="',
        _xml_attr(batch.column("channel")),
        '"/></event>\n',
    )
    lines = _concat(
        pc.if_else(closes, _TRACE_END, ""),
        pc.if_else(opens, trace_head, ""),
        event,
    )
    return lines, int(pc.sum(opens).as_py() or 0)


def write_xes(
    con: duckdb.DuckDBPyConnection, path: Path, *, batch_rows: int = BATCH_ROWS
) -> LogExport:
    """Write the journey log (``journey_steps``) to ``path`` as XES, gzipped if it ends in .gz.

    Streamed batch by batch; the file appears only when complete.
    """
    from journeymine import sql

    # a relation streams its result; a cursor's Arrow output would copy it first
    reader = con.sql(sql.load("export/journey_log")).to_arrow_reader(batch_rows)
    traces = events = 0
    previous: str | None = None
    gzipped = path.suffix.lower() == ".gz"
    with _replacing(path) as partial, _open_binary(partial, gzipped=gzipped) as out:
        out.write(_XES_HEADER.encode("utf-8"))
        for batch in reader:
            if batch.num_rows == 0:
                continue
            lines, opened = _xes_block(batch, previous)
            out.write(_bytes(lines))
            traces += opened
            events += batch.num_rows
            previous = batch.column("journey_id")[-1].as_py()
        if previous is not None:
            out.write(_TRACE_END.encode("utf-8"))
        out.write(_XES_FOOTER.encode("utf-8"))
    return LogExport(path, traces, events)


# --------------------------------------------------------------------------- Parquet


def write_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path) -> LogExport:
    """Write ``out_dir/event_log.parquet``: the journey log, one row per event (DuckDB COPY)."""
    import pyarrow.parquet as pq

    from journeymine import sql

    path = out_dir / PARQUET_FILE_NAME
    with _replacing(path) as partial:
        con.sql(sql.load("export/event_log")).to_parquet(str(partial), compression="zstd")
    metadata = pq.ParquetFile(path).metadata
    traces = con.execute("select count(distinct journey_id) from journey_steps").fetchone()
    return LogExport(path, int(traces[0]) if traces else 0, metadata.num_rows)


# --------------------------------------------------------------------------- BPMN

_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def designed_bpmn(
    touchpoints: list[tuple[str, bool, bool]], transitions: list[tuple[str, str]]
) -> bytes:
    """The designed map as a BPMN 2.0 document, laid out.

    ``touchpoints``: (id, is_entry, is_goal) in the map's order. A task per touchpoint, named
    by its id (the log's activity names); the start event leads to the entries, the goals
    lead to the end event; a node with several ways out leaves through a splitting exclusive
    gateway, one with several ways in is reached through a joining one. Ids are stable: the
    same map gives the same document.
    """
    from journeymine.mine import bpmn_layout

    names = [t for t, _, _ in touchpoints]
    task_id = {t: f"task_{i}" for i, t in enumerate(names, start=1)}
    nodes = [("startEvent", "start", None), *(("task", task_id[t], t) for t in names)]
    nodes.append(("endEvent", "end", None))
    moves = [("start", task_id[t]) for t, is_entry, _ in touchpoints if is_entry]
    moves += [(task_id[a], task_id[b]) for a, b in transitions if a in task_id and b in task_id]
    moves += [(task_id[t], "end") for t, _, is_goal in touchpoints if is_goal]
    out_degree = {node: sum(s == node for s, _ in moves) for _, node, _ in nodes}
    in_degree = {node: sum(t == node for _, t in moves) for _, node, _ in nodes}
    gateways = [(f"split_{n}", "Diverging") for _, n, _ in nodes if out_degree[n] > 1]
    gateways += [(f"join_{n}", "Converging") for _, n, _ in nodes if in_degree[n] > 1]

    def leave(node: str) -> str:
        return f"split_{node}" if out_degree[node] > 1 else node

    def enter(node: str) -> str:
        return f"join_{node}" if in_degree[node] > 1 else node

    flows = [(s, f"split_{s}") for _, s, _ in nodes if out_degree[s] > 1]
    flows += [(leave(s), enter(t)) for s, t in moves]
    flows += [(f"join_{t}", t) for _, t, _ in nodes if in_degree[t] > 1]

    ET.register_namespace("bpmn", _BPMN)
    root = ET.Element(
        f"{{{_BPMN}}}definitions",
        {
            "id": "journeymine_definitions",
            "targetNamespace": "urn:journeymine:designed-map",
            "exporter": "journeymine",
        },
    )
    process = ET.SubElement(
        root, f"{{{_BPMN}}}process", {"id": "designed_map", "isExecutable": "false"}
    )
    elements = [(kind, node, {"name": name} if name else {}) for kind, node, name in nodes]
    elements += [
        ("exclusiveGateway", node, {"gatewayDirection": direction}) for node, direction in gateways
    ]
    for kind, node, extra in elements:
        element = ET.SubElement(process, f"{{{_BPMN}}}{kind}", {"id": node, **extra})
        for i, (_, target) in enumerate(flows, start=1):
            if target == node:
                ET.SubElement(element, f"{{{_BPMN}}}incoming").text = f"flow_{i}"
        for i, (source, _) in enumerate(flows, start=1):
            if source == node:
                ET.SubElement(element, f"{{{_BPMN}}}outgoing").text = f"flow_{i}"
    for i, (source, target) in enumerate(flows, start=1):
        ET.SubElement(
            process,
            f"{{{_BPMN}}}sequenceFlow",
            {"id": f"flow_{i}", "sourceRef": source, "targetRef": target},
        )
    return bpmn_layout.lay_out(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def write_bpmn(
    con: duckdb.DuckDBPyConnection, out_dir: Path, *, discovered: Path | None
) -> BpmnExport:
    """Write ``out_dir/designed_map.bpmn`` from the warehouse's map tables, and copy the
    discovered model ``discovered`` (a run's ``discovered_journeys.bpmn``) beside it."""
    import duckdb

    from journeymine import sql

    try:
        touchpoints = [
            (str(t), bool(entry), bool(goal))
            for t, entry, goal in sql.fetch(con, "export/map_touchpoints")
        ]
        transitions = [(str(a), str(b)) for a, b in sql.fetch(con, "export/map_transitions")]
    except duckdb.CatalogException:  # a warehouse that was never mined
        touchpoints, transitions = [], []
    if not touchpoints:
        raise JourneymineError(
            "the warehouse holds no designed map (tables map_touchpoints, map_transitions): "
            "configure `map:` and run the nightly flow first"
        )
    designed = out_dir / f"{DESIGNED_STEM}.bpmn"
    with _replacing(designed) as partial:
        partial.write_bytes(designed_bpmn(touchpoints, transitions) + b"\n")
    copied = None
    if discovered is not None:
        if not discovered.is_file():
            raise JourneymineError(
                f"{discovered}: no discovered model: the nightly run writes it when it mines "
                "(run `make run` first)"
            )
        copied = out_dir / DISCOVERED_BPMN
        with _replacing(copied) as partial:
            shutil.copyfile(discovered, partial)
    return BpmnExport(designed, len(touchpoints), len(transitions), copied)


# --------------------------------------------------------------------------- the command

_DESCRIPTION = """\
Export the journey log and the journey maps from the analysts' copy of the warehouse (read
only, so it works while a run writes; nothing is ingested or mined):

  --xes FILE     the journey log as XES: a trace per journey, its touchpoints in order
                 (gzipped when FILE ends in .gz); streamed, whatever the log's size
  --parquet DIR  DIR/event_log.parquet: one row per event, with the column names process
                 mining tools read (case:concept:name, concept:name, time:timestamp, ...)
  --bpmn DIR     DIR/designed_map.bpmn (the designed map, laid out) and a copy of the
                 discovered model the last run wrote (discovered_journeys.bpmn; needs the
                 configuration, not --database)

A file appears only when it is complete. Exit code 2 when the warehouse or what an export
needs is missing.
"""


def add_export_command(sub: Any) -> None:
    """Register ``journeymine export`` on the command line's subparsers."""
    from journeymine.sqlshell import add_database_options

    parser: argparse.ArgumentParser = sub.add_parser(
        "export",
        help="write the journey log (XES, Parquet) and the maps (BPMN) for other tools",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_database_options(parser)
    parser.add_argument("--xes", type=Path, metavar="FILE", help="write the log as XES here")
    parser.add_argument(
        "--parquet", type=Path, metavar="DIR", help=f"write DIR/{PARQUET_FILE_NAME}"
    )
    parser.add_argument(
        "--bpmn",
        type=Path,
        metavar="DIR",
        help=f"write DIR/{DESIGNED_STEM}.bpmn and a copy of {DISCOVERED_BPMN}",
    )
    parser.set_defaults(func=run_export_command)


def run_export_command(args: argparse.Namespace) -> int:
    """``journeymine export``: 0 when every file asked for is written."""
    from journeymine.sqlshell import database_to_open, open_readonly

    if args.xes is None and args.parquet is None and args.bpmn is None:
        raise JourneymineError("nothing to export: give --xes FILE, --parquet DIR or --bpmn DIR")
    path, memory_limit = database_to_open(args.config, args.database)
    discovered: Path | None = None
    if args.bpmn is not None and args.database is None:
        from journeymine.config import load_config

        discovered = load_config(args.config).outputs_path / DISCOVERED_BPMN
    con = open_readonly(path, memory_limit=memory_limit, published=args.database is None)
    try:
        if args.xes is not None:
            log = write_xes(con, args.xes)
            print(f"{log.path}: {log.traces} journeys, {log.events} events (XES)")
        if args.parquet is not None:
            log = write_parquet(con, args.parquet)
            print(f"{log.path}: {log.events} events of {log.traces} journeys (Parquet)")
        if args.bpmn is not None:
            bpmn = write_bpmn(con, args.bpmn, discovered=discovered)
            print(
                f"{bpmn.designed}: the designed map, {bpmn.touchpoints} touchpoints, "
                f"{bpmn.transitions} designed transitions (BPMN)"
            )
            if bpmn.discovered is not None:
                print(f"{bpmn.discovered}: the discovered model, copied from {discovered}")
            else:
                print("(the discovered model is in the run's outputs folder: use --config)")
    finally:
        con.close()
    return 0


__all__ = [
    "BpmnExport",
    "LogExport",
    "add_export_command",
    "designed_bpmn",
    "run_export_command",
    "write_bpmn",
    "write_parquet",
    "write_xes",
]
