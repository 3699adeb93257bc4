"""Wall time and peak memory of every stage of a nightly run, against pm4py and a DuckDB floor.

    make bench                                      # 1M and 10M events, 3 repeats
    make bench SIZES=1000000 REPEATS=3
    .venv/bin/python benchmarks/bench.py --sizes 1000000 --repeats 3 --note "shared machine"

Issue 12's harness (docs/performance.md says what each number means). For each size, the
three-channel log is generated once by ``journeymine.generate.generate(..., gzip_output=True)``
into ``benchmarks/.cache/<events>-<seed>/`` and reused while the generator's code is unchanged.
Each repeat then, on a fresh warehouse:

1. runs the nightly flow's steps one by one, each in a fresh Python process, calling the same
   library functions as ``pipelines/nightly.py``: ingest per source, stitch, the mining stage
   (``journeymine.analysis.analyse``: journeys, mining, history, flags, in one transaction),
   the report and the publication of the analysts' copy. A stage's peak memory is its
   process's peak resident set (``wait4``'s ``ru_maxrss``: Python, pyarrow and DuckDB
   together). Inside the mining stage, each part's peak is the resident high-water mark over
   its span (Linux: ``VmHWM``, reset through ``/proc/self/clear_refs`` at every boundary), and
   every SQL statement is timed for the profile;
2. times, on the journeys that run built, pm4py's ``format_dataframe``, ``discover_dfg``,
   ``get_variants`` and ``discover_performance_dfg`` in a process of their own, and the DuckDB
   floor (``benchmarks/sql/floor_*.sql``: the graph with median and p90 times, start and end
   counts and variants, straight from ``journey_steps``) in another, and checks that pm4py,
   the floor and the mining tables agree on the graph;
3. runs the whole pipeline again in one process on another fresh warehouse, as one nightly
   run does (without Prefect; the sources' loads side by side, ``parallel_loads`` at a time):
   raw gzipped files to the published report and warehouse.

It prints a table per size (medians over the repeats), the ratios and each target of issue 12
with pass or fail, and writes every repeat's numbers, their medians and the machine's
description to ``benchmarks/results/<host>-<date>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import logging
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
BENCH_SQL = Path(__file__).resolve().parent / "sql"
SAMPLE_CONFIG = REPO / "data" / "sample" / "journeymine.yaml"
DEFAULT_SIZES = (1_000_000, 10_000_000)
DEFAULT_CACHE = REPO / "benchmarks" / ".cache"
DEFAULT_RESULTS = REPO / "benchmarks" / "results"
# written last into a cached log's folder: what was generated, by which generator code
DATA_MARKER = "bench-data.json"
# the code the generated log depends on: a change to any of it regenerates the cache
GENERATOR_CODE = ("src/journeymine/generate.py", "sql/generate")

# What journeymine.analysis.analyse calls, in order; each is timed in the mining stage.
ANALYSE_CALLS = ("mine", "update_history", "detect_changes", "raise_flags", "write_flag_trends")
# The mining stage's parts as issue 12 names them, from those calls.
HISTORY_CALLS = ("update_history", "detect_changes", "write_flag_trends")
FLAG_CALLS = ("raise_flags",)
# mine()'s own sub-stage that the graph-and-variants targets are about
GRAPH_STEP = "graph and variants"
FLOOR_MODELS = ("floor_transitions", "floor_start_end", "floor_variants")


class BenchError(Exception):
    """The benchmark could not measure what it set out to (a stage failed, a check broke)."""


# --------------------------------------------------------------------------- measuring


def _gb(kib: float) -> float:
    """KiB (what Linux reports) as GB of 10^9 bytes, the unit of the targets."""
    return round(kib * 1024 / 1e9, 3)


def _peak_kib() -> int:
    """This process's resident high-water mark (VmHWM), in KiB; 0 where /proc has none."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak() -> bool:
    """Reset VmHWM to the current resident set (Linux 4.0+); False where that is impossible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


class Timeline:
    """A process's life cut into intervals, each with its peak resident memory.

    At every cut the high-water mark since the previous cut is read and reset, so the peak of
    any span of the process is the largest peak of the intervals it overlaps (an interval
    that straddles a span's edge counts for the span: never an underestimate).
    """

    def __init__(self) -> None:
        self.origin = time.perf_counter()
        # the process's peak before the timeline starts (imports), kept before the reset
        self.intervals: list[tuple[float, float, int]] = [(0.0, 0.0, _peak_kib())]
        self.resettable = _reset_peak() and _peak_kib() > 0
        self._since = 0.0

    def cut(self) -> float:
        now = time.perf_counter() - self.origin
        self.intervals.append((self._since, now, _peak_kib()))
        if self.resettable:
            _reset_peak()
        self._since = now
        return now

    def process_peak_kib(self) -> int:
        """The peak of the whole process so far (resetting VmHWM resets what ``wait4``
        reports too, so a process that cuts its timeline reports its own peak)."""
        self.cut()
        return max(p for _, _, p in self.intervals)

    def peak_gb(self, start: float, end: float) -> float | None:
        if not self.resettable:
            return None
        peaks = [p for a, b, p in self.intervals if a < end and b > start]
        return _gb(max(peaks)) if peaks else None


class Probe:
    """The measurements of one stage's process: its timeline and every SQL statement run
    through the connections it opens (each statement's model, seconds and peak memory).

    With ``explain_dir``, DuckDB's own profiler also writes each statement's plan with its
    operators' timings there (``--explain``: for the profile, not for the timings, since
    profiling costs a little).
    """

    def __init__(self, explain_dir: Path | None = None) -> None:
        self.timeline = Timeline()
        self.statements: list[tuple[str, float, float, int]] = []  # label, from, to, peak KiB
        self.explain_dir = explain_dir
        self._explained: list[Path | None] = []  # DuckDB's profile of each statement
        self._models: dict[str, str] = {}  # model text -> model name
        self._installed = False

    def install(self) -> None:
        """Remember the text of every SQL model journeymine loads, to name its statements."""
        from journeymine import sql

        if self._installed:
            return
        original = sql.load

        def load(name: str) -> str:
            text = original(name)
            self._models.setdefault(text, name)
            return text

        sql.load = load  # type: ignore[assignment]
        self._installed = True

    def label(self, query: str) -> str:
        """The model a statement runs (``create table ... as <model>``, ``select ... from
        (<model>)``), else its first words."""
        for text, name in self._models.items():
            if query.endswith(text):
                return name
        inside = [(len(text), name) for text, name in self._models.items() if text in query]
        if inside:
            return max(inside)[1]
        return "inline: " + " ".join(query.split())[:70]

    def measure(self, query: str, run: Callable[[], Any], con: Any) -> Any:
        explained = None
        if self.explain_dir is not None:
            explained = self.explain_dir / f"{len(self.statements):05d}.json"
            target = str(explained).replace("'", "''")
            con.execute(f"pragma profiling_output = '{target}'")  # our own path, quoted
        start = self.timeline.cut()
        try:
            return run()
        finally:
            end = self.timeline.cut()
            self.statements.append((self.label(query), start, end, self.timeline.intervals[-1][2]))
            self._explained.append(explained)

    @contextlib.contextmanager
    def connect(self, config: Any) -> Iterator[Any]:
        """The warehouse connection a nightly task opens, with its statements measured."""
        from journeymine.warehouse import connect

        con = connect(config.warehouse_path, memory_limit=config.memory_limit)
        if self.explain_dir is not None:
            self.explain_dir.mkdir(parents=True, exist_ok=True)
            con.execute("pragma enable_profiling = 'json'")
        try:
            yield _ProfiledConnection(con, self)
        finally:
            con.close()

    def profile(self, parts: list[tuple[str, float, float]] | None = None) -> list[dict[str, Any]]:
        """Statements grouped by model (and by part of the stage, when given), costliest
        first."""
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        for (label, start, end, peak), explained in zip(
            self.statements, self._explained, strict=True
        ):
            middle = (start + end) / 2
            part = next((p for p, a, b in parts or () if a <= middle <= b), "")
            g = groups.setdefault(
                (part, label),
                {"calls": 0, "seconds": 0.0, "peak_kib": 0, "slowest": 0.0, "explained": None},
            )
            g["calls"] += 1
            g["seconds"] += end - start
            g["peak_kib"] = max(g["peak_kib"], peak)
            if end - start >= g["slowest"]:
                g["slowest"], g["explained"] = end - start, explained
        rows = []
        for (part, label), g in groups.items():
            row = {
                "part": part,
                "model": label,
                "calls": g["calls"],
                "seconds": round(g["seconds"], 3),
                "peak_gb": _gb(g["peak_kib"]) if self.timeline.resettable else None,
            }
            if g["explained"] is not None:
                row["slowest_call"] = duckdb_profile(g["explained"])
            rows.append(row)
        return sorted(rows, key=lambda r: -r["seconds"])


# extra_info keys of DuckDB's operators worth reading in a profile
_OPERATOR_INFO = ("Table", "Join Type", "Conditions", "Groups", "Aggregates", "Function",
                  "Filters", "Projections")  # fmt: skip


def duckdb_profile(path: Path, top: int = 4) -> dict[str, Any] | None:
    """What DuckDB's profiler wrote for one statement: its time, CPU time (over threads),
    planning time, peak buffer memory and its costliest operators; None when it wrote
    nothing readable (a statement that is not a query, another DuckDB version's format)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        query, system = raw["query"], raw.get("system", {})
        planning = raw.get("planner", {}).get("total_time", 0.0)
        planning += raw.get("physical_planner", {}).get("total_time", 0.0)
        planning += sum(v for v in raw.get("optimizer", {}).values() if isinstance(v, float))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    nodes: list[dict[str, Any]] = []
    stack = list(raw.get("operator", []))
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("children", []))
    nodes.sort(key=lambda n: -float(n.get("timing", 0.0)))

    def info(extra: Any) -> str:
        if not isinstance(extra, dict):
            return ""
        text = "; ".join(f"{k}: {extra[k]}" for k in _OPERATOR_INFO if k in extra)
        return " ".join(text.split())[:160]

    return {
        "seconds": round(float(query.get("total_time", 0.0)), 3),
        "cpu_seconds": round(float(query.get("cpu_time", 0.0)), 3),
        "planning_seconds": round(planning, 3),
        "peak_buffer_gb": round(float(system.get("peak_buffer_memory", 0)) / 1e9, 3),
        "operators": [
            {
                "operator": n.get("name"),
                "seconds": round(float(n.get("timing", 0.0)), 3),
                "rows": n.get("intermediate_rows"),
                "info": info(n.get("extra_info")),
            }
            for n in nodes[:top]
        ],
    }


class _ProfiledRelation:
    """A DuckDB relation whose execution is measured (the report reads through con.sql)."""

    _RUNS = frozenset(
        {"to_arrow_table", "fetch_arrow_table", "arrow", "fetchall", "df", "to_df", "to_parquet"}
    )

    def __init__(self, relation: Any, query: str, probe: Probe, con: Any) -> None:
        self._relation = relation
        self._query = query
        self._probe = probe
        self._con = con

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._relation, name)
        if name not in self._RUNS or not callable(attribute):
            return attribute

        def measured(*args: Any, **kwargs: Any) -> Any:
            return self._probe.measure(self._query, lambda: attribute(*args, **kwargs), self._con)

        return measured


class _ProfiledConnection:
    """A warehouse connection whose statements are measured; everything else passes through."""

    def __init__(self, con: Any, probe: Probe) -> None:
        self._con = con
        self._probe = probe

    def execute(self, query: str, parameters: Any = None) -> Any:
        con = self._con
        if parameters is None:
            return self._probe.measure(query, lambda: con.execute(query), con)
        return self._probe.measure(query, lambda: con.execute(query, parameters), con)

    def sql(self, query: str, **kwargs: Any) -> Any:
        return _ProfiledRelation(self._con.sql(query, **kwargs), query, self._probe, self._con)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


# --------------------------------------------------------------------------- stages (children)


def _quiet_pm4py() -> Any:
    """Import pm4py without its banner (as journeymine's adapter does)."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        import pm4py
        from pm4py.util import constants

    constants.SHOW_PROGRESS_BAR = False
    return pm4py


def _bench_sql(name: str) -> str:
    return (BENCH_SQL / f"{name}.sql").read_text(encoding="utf-8")


def _read_only(spec: dict[str, Any]) -> Any:
    """The run's warehouse, read-only, with the memory limit the pipeline had."""
    import duckdb

    from journeymine.warehouse import default_memory_limit

    return duckdb.connect(
        spec["warehouse"],
        read_only=True,
        config={"memory_limit": spec["memory_limit"] or default_memory_limit()},
    )


def stage_generate(spec: dict[str, Any], probe: Probe) -> dict[str, Any]:
    from journeymine.generate import generate

    started = time.perf_counter()
    sample = generate(spec["out"], spec["events"], seed=spec["seed"], gzip_output=True)
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "touchpoint_events": sample.touchpoint_events,
        "journeys": sample.journeys,
        "customers": sample.customers,
        "records": dict(sample.records),
    }


def stage_ingest(spec: dict[str, Any], probe: Probe) -> dict[str, Any]:
    from journeymine.config import load_config
    from journeymine.ingest import ingest_source
    from journeymine.pii import load_key

    config = load_config(spec["config"])
    source = config.source(spec["source"])
    probe.install()
    started = time.perf_counter()
    key = load_key(
        config.pii.secret_env, allow_development_secret=config.pii.allow_development_secret
    )
    with probe.connect(config) as con:
        report = ingest_source(con, config, source, key)
    seconds = time.perf_counter() - started
    failed = [f.error for f in report.files if f.status != "loaded"]
    if failed or not report.files:
        raise BenchError(f"source {source.name} did not load: {failed or 'no file'}")
    return {
        "seconds": round(seconds, 3),
        "files": len(report.files),
        "rows_read": report.total("rows_read"),
        "rows_loaded": report.total("rows_loaded"),
        "rows_rejected": report.total("rows_rejected"),
        "rows_duplicate": report.total("rows_duplicate"),
        "profile": probe.profile(),
    }


def stage_stitch(spec: dict[str, Any], probe: Probe) -> dict[str, Any]:
    from journeymine.config import load_config
    from journeymine.identity import stitch

    config = load_config(spec["config"])
    probe.install()
    started = time.perf_counter()
    with probe.connect(config) as con:
        report = stitch(con)  # as the nightly calls it (full=False; a first night is full)
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "identifiers": report.nodes,
        "customers": report.customers,
        "rounds": report.rounds,
        "events_updated": report.events_updated,
        "full": report.full,
        "profile": probe.profile(),
    }


def stage_analyse(spec: dict[str, Any], probe: Probe) -> dict[str, Any]:
    """The mining stage, as the nightly's mine task runs it, with each call it makes timed."""
    from journeymine import analysis
    from journeymine.config import load_config
    from journeymine.mapping import load_map

    config = load_config(spec["config"])
    assert config.map_path is not None
    journey_map = load_map(config.map_path)
    probe.install()
    spans: dict[str, tuple[float, float]] = {}
    for name in ANALYSE_CALLS:
        original = getattr(analysis, name, None)
        if original is None:
            raise BenchError(
                f"journeymine.analysis no longer has {name}(): update ANALYSE_CALLS in "
                "benchmarks/bench.py to what analyse() calls now"
            )
        setattr(analysis, name, _spanned(name, original, probe.timeline, spans))
    start = probe.timeline.cut()
    with probe.connect(config) as con:
        # as the nightly's mine task calls it (incremental unless --full; a first night on a
        # fresh warehouse builds every journey)
        result = analysis.analyse(
            con, config, journey_map, export_dir=config.outputs_path, incremental=True
        )
        settings = dict(
            con.execute(
                "select name, value from duckdb_settings() where name in ('threads', "
                "'memory_limit')"
            ).fetchall()
        )
    end = probe.timeline.cut()
    missing = [name for name in ANALYSE_CALLS if name not in spans]
    if missing:
        raise BenchError(
            f"analyse() no longer calls {', '.join(missing)}: update ANALYSE_CALLS in "
            "benchmarks/bench.py"
        )
    timeline = probe.timeline

    def part(a: float, b: float) -> dict[str, Any]:
        return {"seconds": round(b - a, 3), "peak_gb": timeline.peak_gb(a, b)}

    # mine() reports its own sub-stages' seconds, in order, from its start
    mine_start, mine_end = spans["mine"]
    sub: list[tuple[str, float, float]] = []
    t = mine_start
    for name, seconds in result.report.seconds.items():
        sub.append((name, t, t + seconds))
        t += seconds
    if GRAPH_STEP not in result.report.seconds:
        raise BenchError(f"mine() no longer reports {GRAPH_STEP!r}: update GRAPH_STEP")
    journeys_end = sub[0][2] if sub and sub[0][0] == "journeys" else mine_start
    parts: dict[str, Any] = {
        "journeys": part(mine_start, journeys_end),
        "mining": part(journeys_end, mine_end),
    }
    for name, a, b in sub:
        if name != "journeys":
            parts[f"mining: {name}"] = part(a, b)
    for group, calls in (("history", HISTORY_CALLS), ("flags", FLAG_CALLS)):
        parts[group] = {
            "seconds": round(sum(spans[c][1] - spans[c][0] for c in calls), 3),
            "peak_gb": _max_or_none(timeline.peak_gb(*spans[c]) for c in calls),
        }
        for c in calls:
            parts[f"{group}: {c}"] = part(*spans[c])
    inside = sum(b - a for a, b in spans.values())
    last_call = max(b for _, b in spans.values())
    parts["connect, commit, close"] = {
        "seconds": round(end - start - inside, 3),
        "peak_gb": _max_or_none(
            [timeline.peak_gb(start, mine_start), timeline.peak_gb(last_call, end)]
        ),
    }
    windows = [(n, a, b) for n, a, b in sub] + [(c, *spans[c]) for c in ANALYSE_CALLS[1:]]
    conformance = result.report.conformance
    return {
        "seconds": round(end - start, 3),
        "parts": parts,
        "journeys": conformance.journeys,
        "variants": conformance.variants,
        "steps": result.report.steps,
        "flags": len(result.flags),
        "built": result.report.built.describe(),
        "duckdb": settings,
        "profile": probe.profile(windows),
    }


def _max_or_none(values: Any) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _spanned(
    name: str, fn: Callable[..., Any], timeline: Timeline, spans: dict[str, tuple[float, float]]
) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = timeline.cut()
        try:
            return fn(*args, **kwargs)
        finally:
            spans[name] = (start, timeline.cut())

    return timed


def stage_report(spec: dict[str, Any], probe: Probe) -> dict[str, Any]:
    """What the nightly's report task does: flags.csv, then reports/<run date>/."""
    from journeymine.config import load_config
    from journeymine.report import build_report, export_flags_csv

    config = load_config(spec["config"])
    probe.install()
    started = time.perf_counter()
    with probe.connect(config) as con:
        export_flags_csv(con, config.outputs_path / "flags.csv")
        built = build_report(
            con,
            config.reports_path / date.today().isoformat(),
            inputs={"warehouse": str(config.warehouse_path), "config": str(config.base_dir)},
        )
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "html_bytes": built.html.stat().st_size,
        "profile": probe.profile(),
    }


def stage_publish(spec: dict[str, Any], probe: Probe) -> dict[str, Any]:
    from journeymine.config import load_config
    from journeymine.warehouse import publish

    config = load_config(spec["config"])
    started = time.perf_counter()
    published = publish(config.warehouse_path, memory_limit=config.memory_limit)
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "warehouse_bytes": config.warehouse_path.stat().st_size,
        "published_bytes": published.stat().st_size,
    }


def stage_pm4py(spec: dict[str, Any], probe: Probe) -> dict[str, Any]:
    """pm4py's four calls on the run's journeys (case journey_id, activity touchpoint,
    timestamp occurred_at), read from journey_steps into the DataFrame pm4py takes."""
    import duckdb  # noqa: F401  (imported before the clock starts)
    import pandas  # noqa: F401

    import journeymine.warehouse  # noqa: F401

    timeline = probe.timeline
    started = time.perf_counter()
    with contextlib.closing(_read_only(spec)) as con:
        frame = con.execute(_bench_sql("pm4py_log")).df()
    load_seconds = time.perf_counter() - started
    timeline.cut()
    pm4py = _quiet_pm4py()
    timeline.cut()
    calls: dict[str, Any] = {}

    def call(name: str, fn: Callable[[], Any]) -> Any:
        a = timeline.cut()
        t = time.perf_counter()
        value = fn()
        calls[name] = {"seconds": round(time.perf_counter() - t, 3)}
        calls[name]["peak_gb"] = timeline.peak_gb(a, timeline.cut())
        return value

    log = call(
        "format_dataframe",
        lambda: pm4py.format_dataframe(
            frame, case_id="journey_id", activity_key="touchpoint", timestamp_key="occurred_at"
        ),
    )
    dfg, starts, ends = call("discover_dfg", lambda: pm4py.discover_dfg(log))
    variants = call("get_variants", lambda: pm4py.get_variants(log))
    performance, _, _ = call(
        "discover_performance_dfg", lambda: pm4py.discover_performance_dfg(log)
    )
    return {
        "seconds": round(sum(c["seconds"] for c in calls.values()), 3),
        "load_seconds": round(load_seconds, 3),
        "events": len(frame),
        "calls": calls,
        "calls_peak_gb": _max_or_none(c["peak_gb"] for c in calls.values()),
        "graph": {
            "edges": len(dfg),
            "moves": int(sum(dfg.values())),
            "starts": int(sum(starts.values())),
            "ends": int(sum(ends.values())),
            "variants": len(variants),
            "medians": {f"{a} > {b}": float(v["median"]) for (a, b), v in performance.items()},
        },
    }


def stage_floor(spec: dict[str, Any], probe: Probe) -> dict[str, Any]:
    """The DuckDB floor, run twice on one connection: cold (journey_steps read from the file)
    and warm (in DuckDB's buffer pool, as for mining, which builds journey_steps just before).
    The warm run is the floor."""
    runs: list[dict[str, float]] = []
    with contextlib.closing(_read_only(spec)) as con:
        for _ in range(2):
            seconds: dict[str, float] = {}
            for model in FLOOR_MODELS:
                t = time.perf_counter()
                con.execute(f"create or replace temp table {model} as\n{_bench_sql(model)}")
                seconds[model] = round(time.perf_counter() - t, 3)
            runs.append(seconds)
        edges, moves = con.execute(
            "select count(*), sum(occurrences) from floor_transitions"
        ).fetchall()[0]
        starts, ends = con.execute(
            "select sum(journeys) filter (where side = 'start'), "
            "sum(journeys) filter (where side = 'end') from floor_start_end"
        ).fetchall()[0]
        (variants,) = con.execute("select count(*) from floor_variants").fetchall()[0]
        medians = con.execute(
            "select from_touchpoint || ' > ' || to_touchpoint, median_seconds "
            "from floor_transitions"
        ).fetchall()
        mined = con.execute(_bench_sql("mined_graph")).fetchall()[0]
    cold, warm = runs
    return {
        "seconds": round(sum(warm.values()), 3),
        "cold_seconds": round(sum(cold.values()), 3),
        "queries": warm,
        "graph": {
            "edges": edges,
            "moves": int(moves),
            "starts": int(starts),
            "ends": int(ends),
            "variants": variants,
            "medians": {k: float(v) for k, v in medians if v is not None},
        },
        "mined": dict(zip(("edges", "moves", "starts", "ends", "variants"), mined, strict=True)),
    }


def stage_end_to_end(spec: dict[str, Any], probe: Probe) -> dict[str, Any]:
    """One nightly run in one process, without Prefect and without measuring anything
    inside: raw gzipped files to the published report and analysts' copy."""
    from journeymine.analysis import analyse
    from journeymine.config import load_config
    from journeymine.identity import stitch
    from journeymine.ingest import ingest_sources
    from journeymine.mapping import load_map
    from journeymine.pii import load_key
    from journeymine.report import build_report, export_flags_csv
    from journeymine.warehouse import connect, publish

    config = load_config(spec["config"])
    assert config.map_path is not None
    journey_map = load_map(config.map_path)
    key = load_key(
        config.pii.secret_env, allow_development_secret=config.pii.allow_development_secret
    )
    steps: dict[str, float] = {}
    clock = started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[name] = round(now - clock, 3)
        clock = now

    # the sources side by side, parallel_loads at a time, as the nightly flow loads them
    ingest_sources(
        config, key, lambda: connect(config.warehouse_path, memory_limit=config.memory_limit)
    )
    lap("ingest")
    with connect(config.warehouse_path, memory_limit=config.memory_limit) as con:
        stitch(con)
    lap("stitch")
    with connect(config.warehouse_path, memory_limit=config.memory_limit) as con:
        result = analyse(con, config, journey_map, export_dir=config.outputs_path, incremental=True)
    lap("mining stage")
    with connect(config.warehouse_path, memory_limit=config.memory_limit) as con:
        export_flags_csv(con, config.outputs_path / "flags.csv")
        build_report(con, config.reports_path / date.today().isoformat())
    lap("report")
    publish(config.warehouse_path, memory_limit=config.memory_limit)
    lap("publish")
    c = result.report.conformance
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "steps": steps,
        "journeys": c.journeys,
        "variants": c.variants,
        "flags": len(result.flags),
    }


def stage_check(spec: dict[str, Any], probe: Probe) -> dict[str, Any]:
    """Is the one-process run right at this size? Run in a process of its own after it, so
    that the checks are in neither its time nor its peak memory."""
    from journeymine.config import load_config
    from journeymine.flags import read_flags

    config = load_config(spec["config"])
    truth = json.loads((Path(spec["data"]) / "ground_truth.json").read_text(encoding="utf-8"))
    warehouse = {"warehouse": str(config.warehouse_path), "memory_limit": config.memory_limit}
    with contextlib.closing(_read_only(warehouse)) as con:
        return {
            "accounting": accounting(con, truth),
            "planted_stories": planted_stories(con, read_flags(con), truth),
        }


def accounting(con: Any, truth: dict[str, Any]) -> dict[str, Any]:
    """Nothing lost at this size: every file loaded, ``rows_read = rows_loaded +
    rows_rejected + rows_duplicate`` for each, and every source read all the records the
    generator wrote and flagged as duplicates exactly the copies it planted."""
    rows = con.execute(
        "select source, count(*), count(*) filter (where status = 'loaded'), "
        "count(*) filter (where rows_read = rows_loaded + rows_rejected + rows_duplicate), "
        "sum(rows_read), sum(rows_loaded), sum(rows_rejected), sum(rows_duplicate) "
        "from loads group by source order by source"
    ).fetchall()
    sources = {
        source: {
            "files": files,
            "files_loaded": loaded,
            "files_adding_up": adding_up,
            "rows_read": int(read or 0),
            "rows_loaded": int(kept or 0),
            "rows_rejected": int(rejected or 0),
            "rows_duplicate": int(duplicate or 0),
            "records_generated": truth["records"].get(source),
            "duplicates_planted": truth["broken_records"].get(source, {}).get("duplicate", 0),
        }
        for source, files, loaded, adding_up, read, kept, rejected, duplicate in rows
    }
    holds = set(sources) == set(truth["records"]) and all(
        s["files"] == s["files_loaded"] == s["files_adding_up"]
        and s["rows_read"] == s["records_generated"]
        and s["rows_duplicate"] == s["duplicates_planted"]
        for s in sources.values()
    )
    return {"holds": holds, "sources": sources}


def planted_stories(con: Any, flags: list[Any], truth: dict[str, Any]) -> dict[str, Any]:
    """The run's flags scored against the stories the generator planted (as
    ``tests/flags/test_findings_against_truth.py`` scores them at small sizes)."""
    from journeymine.truth import score, suggested

    s = score(flags, truth, suggested(con))
    return {
        "precision": round(s.precision, 4),
        "recall": round(s.recall, 4),
        "missed": s.missed,
        "false_positives": s.false_positives,
        "wrong_segment": s.wrong_segment,
        "not_top_of_kind": s.not_top_of_kind,
        "after_arrivals": s.after_arrivals,
    }


STAGES: dict[str, Callable[[dict[str, Any], Probe], dict[str, Any]]] = {
    "generate": stage_generate,
    "ingest": stage_ingest,
    "stitch": stage_stitch,
    "analyse": stage_analyse,
    "report": stage_report,
    "publish": stage_publish,
    "pm4py": stage_pm4py,
    "floor": stage_floor,
    "end to end": stage_end_to_end,
    "check": stage_check,
}


def child(spec_path: Path) -> None:
    """In the measured process: run one stage, write its numbers where the spec says."""
    logging.basicConfig(level=logging.WARNING, format="    %(name)s: %(message)s")
    # the sample's configuration allows the public development secret: no news here
    logging.getLogger("journeymine.pii").setLevel(logging.ERROR)
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    probe = Probe(Path(spec["explain"]) if spec.get("explain") else None)
    result = STAGES[spec["stage"]](spec, probe)
    result["process_peak_kib"] = probe.timeline.process_peak_kib()
    Path(spec["result"]).write_text(json.dumps(result), encoding="utf-8")


# --------------------------------------------------------------------------- the harness


def run_child(stage: str, spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run ``stage`` in a fresh Python process; its numbers plus the process's wall time and
    peak resident memory."""
    slug = stage.replace(" ", "-") + (f"-{spec['source']}" if "source" in spec else "")
    spec_path = workdir / f"{slug}.spec.json"
    result_path = workdir / f"{slug}.result.json"
    result_path.unlink(missing_ok=True)
    spec_path.write_text(json.dumps(dict(spec, stage=stage, result=str(result_path))), "utf-8")
    env = dict(os.environ)
    # the journeymine of this checkout, whatever the virtualenv's editable install points at
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO)])
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, "--child", str(spec_path)], env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0 or not result_path.is_file():
        raise BenchError(f"stage {slug} exited with {code} (its error is printed above)")
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    result["process_seconds"] = round(wall, 3)
    # Linux: KiB. A child that reset its high-water mark measured its own peak.
    result["peak_gb"] = _gb(max(usage.ru_maxrss, result.pop("process_peak_kib", 0)))
    return result


def generator_fingerprint() -> str:
    digest = hashlib.sha256()
    for entry in GENERATOR_CODE:
        path = REPO / entry
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for f in files:
            if f.is_file():
                digest.update(f.relative_to(REPO).as_posix().encode())
                digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def ensure_data(cache: Path, events: int, seed: int, workdir: Path) -> dict[str, Any]:
    """The gzipped three-channel log of ``events`` touchpoint events, generated once per
    generator version into ``cache/<events>-<seed>/``; what it holds, and whether this call
    generated it (with the generator's seconds and peak memory)."""
    folder = cache / f"{events}-{seed}"
    marker = folder / DATA_MARKER
    fingerprint = generator_fingerprint()
    if marker.is_file():
        data: dict[str, Any] = json.loads(marker.read_text(encoding="utf-8"))
        if data.get("generator") == fingerprint:
            return dict(data, folder=str(folder), cached=True)
        print(f"  {folder}: the generator changed since it was written; regenerating")
        marker.unlink()
    print(f"  generating {events:,} events into {folder} ...", flush=True)
    workdir.mkdir(parents=True, exist_ok=True)
    made = run_child("generate", {"out": str(folder), "events": events, "seed": seed}, workdir)
    data = {
        "events": events,
        "seed": seed,
        "generator": fingerprint,
        "touchpoint_events": made["touchpoint_events"],
        "journeys": made["journeys"],
        "customers": made["customers"],
        "records": made["records"],
        "bytes": {
            channel: sum(p.stat().st_size for p in (folder / channel).glob("*"))
            for channel in ("web", "social", "chat")
        },
        "generated": {"seconds": made["seconds"], "peak_gb": made["peak_gb"]},
    }
    marker.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return dict(data, folder=str(folder), cached=False)


def write_config(run_dir: Path, data_dir: Path, memory_limit: str | None) -> Path:
    """The sample's configuration and map, pointed at the generated log and ``run_dir``."""
    raw = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    raw["warehouse"] = str(run_dir / "warehouse.duckdb")
    raw["map"] = str(SAMPLE_CONFIG.parent / raw["map"])
    raw["outputs"] = str(run_dir / "out")
    raw["reports"] = str(run_dir / "reports")
    if memory_limit:
        raw["memory_limit"] = memory_limit
    for source in raw["sources"]:
        source["path"] = str(data_dir / source["path"])
    path = run_dir / "journeymine.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def source_names(config_path: Path) -> list[str]:
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    return [s["name"] for s in raw["sources"]]


def one_repeat(
    data: dict[str, Any],
    run_dir: Path,
    memory_limit: str | None,
    say: Callable[[str], None],
    *,
    explain: bool = False,
    end_to_end_only: bool = False,
) -> dict[str, Any]:
    """One repeat: the staged run with pm4py and the floor on its journeys (unless
    ``end_to_end_only``), then the whole pipeline in one process."""
    staged_dir = run_dir / "staged"
    whole_dir = run_dir / "one-process"
    for d in (staged_dir, whole_dir):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    stages: dict[str, Any] = {}
    floor = pm4py = None
    if not end_to_end_only:
        stages = staged_run(data, staged_dir, memory_limit, say, explain=explain)
        warehouse = {
            "warehouse": str(staged_dir / "warehouse.duckdb"),
            "memory_limit": memory_limit,
        }
        floor = run_child("floor", warehouse, staged_dir)
        say(
            f"{'DuckDB floor':<24} {floor['seconds']:>9.2f} s "
            f"{_fmt_gb(floor['peak_gb']):>8} GB peak"
        )
        pm4py = run_child("pm4py", warehouse, staged_dir)
        say(
            f"{'pm4py (4 calls)':<24} {pm4py['seconds']:>9.2f} s "
            f"{_fmt_gb(pm4py['peak_gb']):>8} GB peak"
        )
    whole_config = write_config(whole_dir, Path(data["folder"]), memory_limit)
    whole = run_child("end to end", {"config": str(whole_config)}, whole_dir)
    check = run_child("check", {"config": str(whole_config), "data": data["folder"]}, whole_dir)
    whole["accounting"], whole["planted_stories"] = check["accounting"], check["planted_stories"]
    say(
        f"{'end to end, one process':<24} {whole['process_seconds']:>9.2f} s "
        f"{_fmt_gb(whole['peak_gb']):>8} GB peak"
    )
    pipeline = ("ingest", "stitch", "mining stage", "report", "publish")
    staged_names = [n for n in stages if n.startswith(pipeline)]
    profile = {n: stages[n].pop("profile") for n in stages if "profile" in stages[n]}
    repeat = {
        "stages": stages,
        "pipeline": {
            "seconds": round(sum(stages[n]["seconds"] for n in staged_names), 3),
            "peak_gb": max(stages[n]["peak_gb"] for n in staged_names),
        }
        if staged_names
        else None,
        "end_to_end": whole,
        "pm4py": pm4py,
        "floor": floor,
        "sql_profile": profile,
    }
    repeat["ratios"] = ratios(repeat)
    repeat["checks"] = checks(repeat)
    return repeat


def staged_run(
    data: dict[str, Any],
    staged_dir: Path,
    memory_limit: str | None,
    say: Callable[[str], None],
    *,
    explain: bool,
) -> dict[str, Any]:
    """The nightly flow's steps one by one, each in a process of its own."""
    config = write_config(staged_dir, Path(data["folder"]), memory_limit)
    spec = {"config": str(config)}
    stages: dict[str, Any] = {}

    def stage(name: str, kind: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        more = dict(extra or {})
        if explain:
            more["explain"] = str(staged_dir / "explain" / name.replace(" ", "-"))
        s = stages[name] = run_child(kind, dict(spec, **more), staged_dir)
        say(f"{name:<24} {s['seconds']:>9.2f} s {_fmt_gb(s['peak_gb']):>8} GB peak")
        return s

    for source in source_names(config):
        stage(f"ingest {source}", "ingest", {"source": source})
    stage("stitch", "stitch")
    mined = stage("mining stage", "analyse")
    for name in ("journeys", "mining", "history", "flags"):
        p = mined["parts"][name]
        say(f"  {name:<22} {p['seconds']:>9.2f} s {_fmt_gb(p['peak_gb']):>8} GB peak")
    stage("report", "report")
    stage("publish", "publish")
    return stages


def _fmt_gb(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


RATIOS = (
    "pm4py_over_graph_seconds",
    "graph_over_floor_seconds",
    "graph_over_pm4py_peak",
    "pm4py_over_floor_seconds",
    "pm4py_over_floor_peak",
)


def ratios(repeat: dict[str, Any]) -> dict[str, float | None]:
    if repeat["pm4py"] is None:  # --end-to-end-only
        return dict.fromkeys(RATIOS)
    graph = repeat["stages"]["mining stage"]["parts"][f"mining: {GRAPH_STEP}"]
    pm4py, floor = repeat["pm4py"], repeat["floor"]

    def ratio(a: float | None, b: float | None) -> float | None:
        return None if a is None or not b else round(a / b, 3)

    return {
        "pm4py_over_graph_seconds": ratio(pm4py["seconds"], graph["seconds"]),
        "graph_over_floor_seconds": ratio(graph["seconds"], floor["seconds"]),
        "graph_over_pm4py_peak": ratio(graph["peak_gb"], pm4py["peak_gb"]),
        "pm4py_over_floor_seconds": ratio(pm4py["seconds"], floor["seconds"]),
        "pm4py_over_floor_peak": ratio(pm4py["peak_gb"], floor["peak_gb"]),
    }


def checks(repeat: dict[str, Any]) -> dict[str, Any]:
    """pm4py, the floor and the mining tables must describe the same graph, and both
    pipeline runs the same journeys and flags: else the harness compared different things.
    And the run must be right at this size: nothing lost (the accounting), every planted
    story flagged as the top flag of its kind, and no other flag (precision and recall of 1;
    changes begun after the generator's arrivals are set apart, see ``journeymine.truth``)."""
    whole = repeat["end_to_end"]
    stories = whole["planted_stories"]
    correct = {
        "accounting_holds": whole["accounting"]["holds"],
        "every_planted_story_flagged": stories["recall"] == 1.0,
        "each_the_top_flag_of_its_kind": not stories["not_top_of_kind"],
        "no_flag_but_the_planted": stories["precision"] == 1.0,
    }
    if repeat["pm4py"] is None:  # --end-to-end-only: no staged run, no comparison
        return correct
    pm, fl, mined = repeat["pm4py"]["graph"], repeat["floor"]["graph"], repeat["floor"]["mined"]
    keys = ("edges", "moves", "starts", "ends", "variants")
    medians = [
        abs(pm["medians"][k] - fl["medians"][k]) for k in pm["medians"] if k in fl["medians"]
    ]
    mining = repeat["stages"]["mining stage"]
    return {
        **correct,
        "pm4py_equals_floor": all(pm[k] == fl[k] for k in keys)
        and pm["medians"].keys() == fl["medians"].keys(),
        "largest_median_difference_seconds": max(medians, default=0.0),
        "mined_tables_equal_floor": all(mined[k] == fl[k] for k in keys),
        "one_process_equals_staged": all(
            whole[k] == mining[k] for k in ("journeys", "variants", "flags")
        ),
        "pm4py_events": repeat["pm4py"]["events"],
        "mined_steps": mining["steps"],
    }


# Issue 12's targets: (key, words, events they are stated for, measured value, limit, kind)
def targets(median: dict[str, Any], events: int) -> list[dict[str, Any]]:
    r = median["ratios"]
    rows = [
        ("graph and variants at least 10x faster than pm4py's calls", 10_000_000,
         r["pm4py_over_graph_seconds"], 10.0, ">="),
        ("graph and variants within 2x of the DuckDB floor", 10_000_000,
         r["graph_over_floor_seconds"], 2.0, "<="),
        ("graph and variants at most 1/3 of pm4py's peak memory", 10_000_000,
         r["graph_over_pm4py_peak"], round(1 / 3, 3), "<="),
        ("mining stage (journeys to flags, history included) under 30 s", 10_000_000,
         median["stages"].get("mining stage", {}).get("seconds"), 30.0, "<"),
        ("raw gzipped files to published report under 3 min", 10_000_000,
         median["end_to_end"]["process_seconds"], 180.0, "<"),
        ("raw gzipped files to published report, peak memory under 8 GB", 10_000_000,
         median["end_to_end"]["peak_gb"], 8.0, "<"),
        ("end to end peak memory under 16 GB", 50_000_000,
         median["end_to_end"]["peak_gb"], 16.0, "<"),
    ]  # fmt: skip
    out = []
    for words, stated, measured, limit, kind in rows:
        passed = None
        if measured is not None:
            passed = {
                ">=": measured >= limit,
                "<=": measured <= limit,
                "<": measured < limit,
            }[kind]
        out.append(
            {
                "target": words,
                "stated_for_events": stated,
                "applies": events == stated,
                "measured": measured,
                "limit": f"{kind} {limit}",
                "passed": passed,
            }
        )
    return out


def median_of(values: list[Any]) -> Any:
    """The median of each number over the repeats, through nested dictionaries; anything
    else is the first repeat's."""
    first = values[0]
    if isinstance(first, dict):
        return {
            k: median_of([v[k] for v in values if isinstance(v, dict) and k in v]) for k in first
        }
    if isinstance(first, bool) or not isinstance(first, int | float):
        return first
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    m = statistics.median(numbers)
    return round(m, 3) if isinstance(m, float) else m


def profile_medians(repeats: list[dict[str, Any]], top: int) -> list[dict[str, Any]]:
    """The costliest SQL models over every stage: median seconds over the repeats."""
    seconds: dict[tuple[str, str, str], list[float]] = {}
    info: dict[tuple[str, str, str], dict[str, Any]] = {}
    for rep in repeats:
        for stage, rows in rep["sql_profile"].items():
            for row in rows:
                key = (stage, row["part"], row["model"])
                seconds.setdefault(key, []).append(row["seconds"])
                info.setdefault(key, row)
    out = []
    for key, values in seconds.items():
        values += [0.0] * (len(repeats) - len(values))
        stage, part, model = key
        out.append(
            {
                "stage": stage,
                "part": part,
                "model": model,
                "calls": info[key]["calls"],
                "seconds": round(statistics.median(values), 3),
                "peak_gb": info[key]["peak_gb"],
                **(
                    {"slowest_call": info[key]["slowest_call"]}
                    if "slowest_call" in info[key]
                    else {}
                ),
            }
        )
    return sorted(out, key=lambda r: -r["seconds"])[:top]


# --------------------------------------------------------------------------- machine, output


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    with contextlib.suppress(OSError, StopIteration), open("/proc/cpuinfo", encoding="utf-8") as fh:
        cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    os_name = platform.platform()
    with contextlib.suppress(OSError), open("/etc/os-release", encoding="utf-8") as fh:
        release = dict(line.rstrip("\n").split("=", 1) for line in fh if "=" in line)
        pretty = release.get("PRETTY_NAME", "").strip('"')
        os_name = f"{pretty} ({platform.platform()})"
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")

    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    def git(*args: str, strip: bool = True) -> str:
        try:
            out = subprocess.run(
                ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            return ""
        return out.strip() if strip else out

    # unstripped: each line starts with a two-column status that may begin with a blank
    changed = [
        line[3:]
        for line in git(
            "status", "--porcelain", "--", "src", "sql", "pipelines", "benchmarks", strip=False
        ).splitlines()
        if line.strip()
    ]
    return {
        "host": socket.gethostname(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gb": round(ram / 1e9, 1),
        "os": os_name,
        "python": platform.python_version(),
        "duckdb": version("duckdb"),
        "pm4py": version("pm4py"),
        "pandas": version("pandas"),
        "pyarrow": version("pyarrow"),
        "journeymine": version("journeymine"),
        "git_commit": git("rev-parse", "HEAD"),
        # code the measurement ran with that differs from the commit (empty: none)
        "git_uncommitted": changed,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def results_path(directory: Path, host: str) -> Path:
    stem = f"{host}-{date.today().isoformat()}"
    path = directory / f"{stem}.json"
    n = 2
    while path.exists():
        path = directory / f"{stem}-{n}.json"
        n += 1
    return path


def print_size(size: dict[str, Any]) -> None:
    events, med = size["events"], size["median"]
    n = len(size["repeats"])
    print()
    print(f"{events:,} events (seed {size['seed']}): medians of {n} repeat(s)")
    print(f"  {'stage':<44} {'seconds':>9} {'peak GB':>8}")

    def row(name: str, seconds: float | None, peak: float | None) -> None:
        s = "-" if seconds is None else f"{seconds:.2f}"
        print(f"  {name:<44} {s:>9} {_fmt_gb(peak):>8}")

    stages = med["stages"]
    for name, s in stages.items():
        if name == "mining stage":
            row(name, s["seconds"], s["peak_gb"])
            for part, p in s["parts"].items():
                indent = "      " if ": " in part else "    "
                row(indent + part.split(": ", 1)[-1], p["seconds"], p["peak_gb"])
        else:
            row(name, s["seconds"], s["peak_gb"])
    if med["pipeline"] is not None:
        row(
            "pipeline, stage by stage (sum; largest peak)",
            med["pipeline"]["seconds"],
            med["pipeline"]["peak_gb"],
        )
    e = med["end_to_end"]
    row("end to end in one process (process wall time)", e["process_seconds"], e["peak_gb"])
    for step, seconds in e["steps"].items():
        row("    " + step, seconds, None)
    if med["pm4py"] is not None:
        p = med["pm4py"]
        row("pm4py: read journey_steps into pandas", p["load_seconds"], None)
        for call, c in p["calls"].items():
            row(f"pm4py: {call}", c["seconds"], c["peak_gb"])
        row("pm4py: the four calls (process peak)", p["seconds"], p["peak_gb"])
        f = med["floor"]
        row("DuckDB floor, cold", f["cold_seconds"], None)
        row("DuckDB floor, warm (process peak)", f["seconds"], f["peak_gb"])
        print("  ratios (median over repeats of each repeat's ratio):")
        r = med["ratios"]
        print(f"    pm4py / graph and variants, time       {_fmt(r['pm4py_over_graph_seconds'])}")
        print(f"    graph and variants / DuckDB floor, time {_fmt(r['graph_over_floor_seconds'])}")
        print(f"    graph and variants / pm4py, peak memory {_fmt(r['graph_over_pm4py_peak'])}")
        print(f"    pm4py / DuckDB floor, time              {_fmt(r['pm4py_over_floor_seconds'])}")
    a, t = e["accounting"], e["planted_stories"]
    print(
        f"  correctness: accounting {'holds' if a['holds'] else 'BROKEN'} for "
        f"{sum(x['files'] for x in a['sources'].values())} file(s); planted stories: "
        f"precision {t['precision']:.2f}, recall {t['recall']:.2f}"
        + (f"; missed {', '.join(t['missed'])}" if t["missed"] else "")
        + (f"; unplanted flags {', '.join(t['false_positives'])}" if t["false_positives"] else "")
    )
    if t.get("after_arrivals"):
        print(
            "    changes beginning after new customers stopped arriving (the population's, "
            f"not scored): {', '.join(t['after_arrivals'])}"
        )
    print("  targets (issue 12):")
    for t in size["targets"]:
        verdict = {True: "PASS", False: "FAIL", None: "n/a"}[t["passed"]]
        where = "" if t["applies"] else f"  (stated for {t['stated_for_events']:,}: indicative)"
        print(f"    {verdict:<4} {t['target']}: {_fmt(t['measured'])} {t['limit']}{where}")
    bad = [k for k, v in size["median"]["checks"].items() if v is False]
    print(f"  checks: {'all agree' if not bad else 'FAILED: ' + ', '.join(bad)}")
    if size["sql_profile_top"]:
        print("  costliest SQL models (median seconds; stage, part):")
    for p in size["sql_profile_top"][:PRINTED_MODELS]:
        where = p["stage"] + (f", {p['part']}" if p["part"] else "")
        calls = f" ({p['calls']} calls)" if p["calls"] > 1 else ""
        print(f"    {p['seconds']:>8.2f}  {p['model']}{calls}  [{where}]")
        explained = p.get("slowest_call")
        if explained:
            print(
                f"              slowest call: {explained['seconds']:.2f} s, of which planning "
                f"{explained['planning_seconds']:.2f} s; operators (time over threads):"
            )
            for op in explained["operators"][:2]:
                name, info = op["operator"], op["info"][:70]
                print(f"              {op['seconds']:>7.2f} s  {name}  {info}")


# how many SQL models the printed profile lists (the JSON keeps more)
PRINTED_MODELS = 12


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="touchpoint events to generate, comma-separated (default: 1M and 10M)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per size (default: 3)")
    parser.add_argument("--seed", type=int, default=7, help="the generator's seed (default: 7)")
    parser.add_argument(
        "--memory-limit", help="DuckDB's memory_limit (default: journeymine's, half the RAM)"
    )
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="generated logs")
    parser.add_argument(
        "--workdir", type=Path, help="warehouses of the runs (default: <cache-dir>/runs)"
    )
    parser.add_argument(
        "--json", type=Path, help="results file (default: benchmarks/results/<host>-<date>.json)"
    )
    parser.add_argument("--note", default="", help="recorded with the results (e.g. 'shared')")
    parser.add_argument("--keep", action="store_true", help="keep the runs' warehouses")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="turn DuckDB's profiler on in the pipeline's stages: each SQL model's costliest "
        "operators in the profile (for finding what to optimise; it costs a little time)",
    )
    parser.add_argument(
        "--end-to-end-only",
        action="store_true",
        help="only the one-process run and its correctness checks: no staged run, no pm4py, "
        "no floor (for sizes where pm4py's DataFrame would not fit, such as 50M)",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        try:
            child(args.child)
        except Exception:
            traceback.print_exc()
            return 1
        return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if not sizes or args.repeats < 1:
        parser.error("give at least one size and one repeat")
    workdir = args.workdir or args.cache_dir / "runs"
    info = machine()
    print(
        f"machine: {info['host']}, {info['cores']} CPUs ({info['cpu']}), {info['ram_gb']} GB "
        f"RAM; Python {info['python']}, DuckDB {info['duckdb']}, pm4py {info['pm4py']}; "
        f"commit {info['git_commit'][:10]}"
        + (
            f" with {len(info['git_uncommitted'])} uncommitted file(s)"
            if info["git_uncommitted"]
            else ""
        ),
        flush=True,
    )
    results: dict[str, Any] = {
        "harness": "benchmarks/bench.py",
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": info,
        "note": args.note,
        "settings": {
            "sizes": sizes,
            "repeats": args.repeats,
            "seed": args.seed,
            "memory_limit": args.memory_limit,
            "explain": args.explain,
            "end_to_end_only": args.end_to_end_only,
            "config": str(SAMPLE_CONFIG.relative_to(REPO)),
        },
        "sizes": [],
    }
    try:
        for events in sizes:
            print(f"\n{events:,} events:", flush=True)
            data = ensure_data(args.cache_dir, events, args.seed, workdir)
            if data["cached"]:
                print(f"  cached log in {data['folder']}", flush=True)
            repeats = []
            for k in range(1, args.repeats + 1):
                run_dir = workdir / f"{events}-{args.seed}" / f"r{k}"

                def say(line: str, k: int = k) -> None:
                    print(f"  [{k}/{args.repeats}] {line}", flush=True)

                repeats.append(
                    one_repeat(
                        data,
                        run_dir,
                        args.memory_limit,
                        say,
                        explain=args.explain,
                        end_to_end_only=args.end_to_end_only,
                    )
                )
                if not args.keep:
                    shutil.rmtree(run_dir, ignore_errors=True)
            median = median_of(repeats)
            size = {
                "events": events,
                "seed": args.seed,
                "data": data,
                "repeats": repeats,
                "median": median,
                "targets": targets(median, events),
                "sql_profile_top": profile_medians(repeats, 25),
            }
            results["sizes"].append(size)
            print_size(size)
    finally:
        results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        if results["sizes"]:
            path = args.json or results_path(DEFAULT_RESULTS, info["host"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
            print(f"\nwritten: {path}")
    failed_checks = sorted(
        {
            f"{s['events']:,} events: {k}"
            for s in results["sizes"]
            for r in s["repeats"]
            for k, v in r["checks"].items()
            if v is False
        }
    )
    if failed_checks:
        print(
            "checks failed (the comparison compared different things, or the run is not right "
            "at this size; the JSON has the details): " + "; ".join(failed_checks)
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
