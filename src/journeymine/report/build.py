"""Build the drop-off report from the warehouse: one folder per run date.

``reports/<run date>/`` holds ``dropoff_report.html`` (one self-contained file that opens
offline), ``flags.csv``, ``touchpoint_stats.csv``, ``map_suggestions.csv``, their Parquet
copies, and ``summary.json``. Everything is read from the warehouse through the models in
``sql/report/`` (a read-only connection is enough): never from a run's memory, so
``journeymine report`` rebuilds any report, for any range of entry dates or segment.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pyarrow as pa
import pyarrow.parquet as pq

from journeymine import sql
from journeymine.errors import JourneymineError
from journeymine.report import charts, mapdraw
from journeymine.report.findings import finding_key, pct, sentence
from journeymine.report.flags_csv import export_flags_csv
from journeymine.report.scope import ReportScope, materialise, segment_words
from journeymine.report.sentiment import SENTIMENT_SAMPLE, stage_sentiment
from journeymine.warehouse import has_table

HTML = "dropoff_report.html"
SUMMARY = "summary.json"
# the files every report folder holds
FILES = (
    HTML,
    "flags.csv",
    "flags.parquet",
    "touchpoint_stats.csv",
    "touchpoint_stats.parquet",
    "map_suggestions.csv",
    "map_suggestions.parquet",
    SUMMARY,
)
# How many variants the report lists.
TOP_VARIANTS = 10
_VERSIONED = ("journeymine", "duckdb", "jinja2", "vaderSentiment", "pm4py")


@dataclass(frozen=True)
class BuiltReport:
    folder: Path
    html: Path
    summary: dict[str, Any]
    seconds: float

    @property
    def top_findings(self) -> list[dict[str, Any]]:
        return list(self.summary["findings"])


def _rows(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    cur = sql.execute(con, sql.load(f"report/{name}"), dict(params))
    columns = [c[0] for c in cur.description]
    return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


def _arrow(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any]) -> pa.Table:
    text = sql.load(f"report/{name}")
    table: pa.Table = con.sql(text, params=sql.bind(text, dict(params))).to_arrow_table()
    return table


def _rate(k: int, n: int) -> float | None:
    return k / n if n else None


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("journeymine.report", "templates"),
        autoescape=True,  # every value is escaped, whatever the template's name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = pct
    env.filters["segment_words"] = lambda pair: segment_words(tuple(pair))
    return env


def _versions() -> dict[str, str]:
    out = {}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def _previous(folder: Path, scope: ReportScope) -> dict[str, Any] | None:
    """The latest earlier report of the same scope among ``folder``'s siblings."""
    parent = folder.parent
    if not parent.is_dir():
        return None
    best: dict[str, Any] | None = None
    for candidate in sorted(parent.glob(f"*/{SUMMARY}")):
        if candidate.parent.resolve() == folder.resolve():
            continue
        try:
            data = json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or data.get("scope") != scope.as_dict():
            continue
        if best is None or str(data.get("built_at", "")) > str(best.get("built_at", "")):
            best = data
    return best


def _changes(
    headline: Mapping[str, Any], findings: list[dict[str, Any]], prev: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """What changed since the last report: headline numbers and findings new or gone."""
    if prev is None:
        return None
    before = prev.get("headline", {})
    keys_now = {f["key"] for f in findings}
    keys_then = {f["key"]: f for f in prev.get("findings", [])}

    def delta(name: str) -> float | None:
        a, b = headline.get(name), before.get(name)
        return None if a is None or b is None else a - b

    return {
        "previous_report": prev.get("run_date"),
        "previous_built_at": prev.get("built_at"),
        "journeys": delta("journeys"),
        "goal_rate": delta("goal_rate"),
        "conforming_journey_rate": delta("conforming_journey_rate"),
        "findings": delta("findings"),
        "new_findings": [f["sentence"] for f in findings if f["key"] not in keys_then],
        "gone_findings": [f.get("sentence", k) for k, f in keys_then.items() if k not in keys_now],
    }


def _first_seen(key: str, run_date: date, folder: Path) -> str:
    """The earliest report (by run date) that already had this finding, else this one."""
    seen = run_date.isoformat()
    parent = folder.parent
    if parent.is_dir():
        for candidate in parent.glob(f"*/{SUMMARY}"):
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            for f in data.get("findings", []) if isinstance(data, dict) else []:
                if f.get("key") == key and str(f.get("first_seen", seen)) < seen:
                    seen = str(f["first_seen"])
    return seen


def _write_table(table: pa.Table, folder: Path, stem: str) -> None:
    """``stem``.csv (written as DuckDB writes flags.csv) and ``stem``.parquet."""
    with duckdb.connect() as scratch:
        scratch.from_arrow(table).write_csv(str(folder / f"{stem}.csv"), header=True)
    pq.write_table(table, folder / f"{stem}.parquet")


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def build_report(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    *,
    scope: ReportScope | None = None,
    run_id: str | None = None,
    run_date: date | None = None,
    inputs: Mapping[str, Any] | None = None,
    sentiment_sample: int = SENTIMENT_SAMPLE,
) -> BuiltReport:
    """Write the report for ``scope`` into ``folder`` (replaced as a whole, atomically).

    ``inputs``: what the caller knows about where the data came from (configuration,
    warehouse file), recorded in ``summary.json`` beside the loads the warehouse lists.
    """
    started = time.perf_counter()
    if not has_table(con, "jm_internal.int_report_counts"):
        raise JourneymineError(
            "report: the warehouse has no jm_internal.int_report_counts, the counts the report "
            "reads: it was analysed by an older journeymine. Run `journeymine run` once (it "
            "rebuilds every journey and these counts), then report again."
        )
    scope = scope or ReportScope()
    run_date = run_date or date.today()
    params = scope.params()
    folder = Path(folder)
    materialise(con, params)  # jm_report_scope: the journeys the models below report on

    labels = {r["touchpoint"]: str(r["label"] or r["touchpoint"]) for r in _rows(con, "map", {})}
    touchpoints = _rows(con, "map", {})
    scope_row = _rows(con, "scope_journeys", params)[0]
    conformance = _rows(con, "conformance_row", {}) if not (scope.ranged or scope.segmented) else []
    findings_rows = _rows(con, "findings", {})
    trends: dict[int, list[tuple[date, float]]] = {}
    for r in _rows(con, "flag_trends", {}):
        trends.setdefault(int(r["rank"]), []).append((r["week_start"], r["rate"]))
    node_rows = _rows(con, "touchpoint_stats_export", params)
    visited = {r["touchpoint"]: r["journeys"] for r in _rows(con, "node_journeys", params)}
    stats = {
        t["touchpoint"]: {
            **next(
                (
                    r
                    for r in node_rows
                    if r["level"] == "touchpoint" and r["node"] == t["touchpoint"]
                ),
                {},
            ),
            "journeys": visited.get(t["touchpoint"]),
        }
        for t in touchpoints
    }
    funnel_rows = _rows(con, "funnel", params)
    flows = _rows(con, "flows", params)
    emotion_rows = _rows(con, "emotion", params)
    sentiments, texts_read = stage_sentiment(con, params, sentiment_sample)
    variants = _rows(con, "variants", {**params, "limit": TOP_VARIANTS})
    segments = _rows(con, "segments", params)
    suggestions = _rows(con, "map_suggestions", {})
    loads = _rows(con, "inputs", {})
    flagged_at = max((f["flagged_at"] for f in findings_rows if f["flagged_at"]), default=None)

    journeys = int(scope_row["journeys"])
    headline = {
        "journeys": journeys,
        "goal_journeys": int(scope_row["goal_journeys"]),
        "goal_rate": _rate(int(scope_row["goal_journeys"]), journeys),
        "conforming_journey_rate": _rate(int(scope_row["conforming_journeys"]), journeys),
        "transition_fitness": conformance[0]["transition_fitness"] if conformance else None,
        "token_replay_fitness": conformance[0]["token_replay_fitness"] if conformance else None,
        "findings": len(findings_rows),
        "lost_goal_completions": round(
            sum(
                max(0.0, f["lost_goal_completions"] or 0.0)
                for f in findings_rows
                if f["kind"] != "improvement"
            ),
            1,
        ),
    }

    findings: list[dict[str, Any]] = []
    flags_at: dict[str, list[tuple[int, str]]] = {}
    for f in findings_rows:
        words = sentence(f, labels)
        key = finding_key(f)
        spark = charts.spark(
            trends.get(int(f["rank"]), []),
            f["threshold"] if f["kind"] in ("drop_off", "loop") else None,
        )
        item = {
            "rank": int(f["rank"]),
            "key": key,
            "kind": f["kind"],
            "subject": f["subject"],
            "segment": f["segment"],
            "segment_value": f["segment_value"],
            "touchpoint": f["touchpoint"],
            "stage": f["stage"],
            "lost_goal_completions": f["lost_goal_completions"],
            "journeys": f["journeys"],
            "value": f["value"],
            "threshold": f["threshold"],
            "sentence": words,
            "evidence": f["evidence"],
            "related": f["related"],
            "first_seen": f["first_date"].isoformat()
            if f["first_date"]
            else _first_seen(key, run_date, folder),
            "last_date": f["last_date"].isoformat() if f["last_date"] else None,
            "metric": f["metric"],
        }
        findings.append({**item, "spark": spark})
        if f["touchpoint"]:
            flags_at.setdefault(f["touchpoint"], []).append((int(f["rank"]), words))

    emotion = {e["stage"]: {**e, "sentiment": sentiments.get(e["stage"])} for e in emotion_rows}
    drawing = mapdraw.draw(funnel_rows, touchpoints, stats, flows, flags_at, emotion)
    funnel = charts.funnel(funnel_rows)
    plain = [{k: v for k, v in f.items() if k != "spark"} for f in findings]
    changes = _changes(headline, plain, _previous(folder, scope))
    built_at = datetime.now(UTC)
    summary: dict[str, Any] = {
        "run_id": run_id or uuid.uuid4().hex,
        "run_date": run_date.isoformat(),
        "built_at": built_at.isoformat(timespec="seconds"),
        "scope": scope.as_dict(),
        "scope_words": scope.describe(),
        "flags_as_of": flagged_at,
        "headline": headline,
        "changes_since_last_report": changes,
        "findings": plain,
        "map_suggestions": len(suggestions),
        "sentiment": {
            "model": "VADER (vaderSentiment), lexicon shipped in the package",
            "texts_scored": texts_read,
            "sample_limit": sentiment_sample,
        },
        "inputs": {**(inputs or {}), "loads": loads},
        "versions": _versions(),
        "files": list(FILES),
    }

    html = (
        _environment()
        .get_template("report.html.j2")
        .render(
            summary=summary,
            scope=scope,
            headline=headline,
            changes=changes,
            findings=findings,
            drawing=drawing,
            funnel=funnel,
            suggestions=suggestions,
            variants=[
                {**v, "names": [labels.get(t, t) for t in str(v["sequence"]).split(",") if t]}
                for v in variants
            ],
            segments=segments,
            labels=labels,
            stats=node_rows,
            texts_read=texts_read,
            sentiment_sample=sentiment_sample,
            flags_as_of=flagged_at,
        )
    )

    partial = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        export_flags_csv(con, partial / "flags.csv")
        pq.write_table(_arrow(con, "findings_export", {}), partial / "flags.parquet")
        _write_table(_arrow(con, "touchpoint_stats_export", params), partial, "touchpoint_stats")
        _write_table(_arrow(con, "map_suggestions", {}), partial, "map_suggestions")
        (partial / HTML).write_text(html, encoding="utf-8")
        seconds = round(time.perf_counter() - started, 3)
        summary["build_seconds"] = seconds
        (partial / SUMMARY).write_text(
            json.dumps(summary, indent=2, default=_json_default) + "\n", encoding="utf-8"
        )
        _swap(partial, folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BuiltReport(folder, folder / HTML, json.loads((folder / SUMMARY).read_text()), seconds)


def _swap(new: Path, folder: Path) -> None:
    """Put ``new`` in ``folder``'s place: the folder is the old report or the new one."""
    old = folder.parent / f".{folder.name}.old-{os.getpid()}"
    if folder.exists():
        folder.rename(old)
    new.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
