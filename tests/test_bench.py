"""The benchmark harness of issue 12 (benchmarks/bench.py), end to end at a tiny size, so that
it never rots: every stage, part, ratio, check and target must be in its JSON, with values
that make sense together. (The full benchmark, `make bench`, is not part of the tests.)"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks" / "bench.py"
EVENTS = 3000

STAGES = ["ingest web", "ingest social", "ingest chat", "stitch", "mining stage", "report",
          "publish"]  # fmt: skip
# the one-process run loads the sources side by side, as the nightly flow does
END_TO_END_STEPS = ["ingest", *STAGES[3:]]
PARTS = {"journeys", "mining", "history", "flags", "connect, commit, close",
         "mining: graph and variants", "mining: per-journey metrics", "mining: token replay",
         "mining: metrics", "mining: discovery", "history: update_history",
         "history: detect_changes", "history: write_flag_trends", "flags: raise_flags"}  # fmt: skip
PM4PY_CALLS = ["format_dataframe", "discover_dfg", "get_variants", "discover_performance_dfg"]


def _bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("journeymine_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, Path]:
    """One repeat at 3k events: the results file, what was printed, the cache folder."""
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "results.json"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", str(EVENTS), "--repeats", "1",
         "--cache-dir", str(tmp / "cache"), "--json", str(out), "--note", "smoke test"],
        capture_output=True, text=True, timeout=600, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text(encoding="utf-8")), done.stdout, tmp / "cache"


def _size(run: tuple[dict[str, Any], str, Path]) -> dict[str, Any]:
    results = run[0]
    assert [s["events"] for s in results["sizes"]] == [EVENTS]
    size: dict[str, Any] = results["sizes"][0]
    assert len(size["repeats"]) == 1
    return size


def _positive(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x) and x > 0


def test_every_stage_is_measured_in_its_own_process(
    run: tuple[dict[str, Any], str, Path],
) -> None:
    size = _size(run)
    ram = run[0]["machine"]["ram_gb"]
    stages = size["median"]["stages"]
    assert list(stages) == STAGES
    for name, s in stages.items():
        assert _positive(s["seconds"]), name
        # the library call is part of the process's life, which also starts Python
        assert s["seconds"] < s["process_seconds"], name
        assert 0.05 < s["peak_gb"] < ram, name
    assert stages["ingest web"]["rows_loaded"] > 0
    assert stages["stitch"]["customers"] > 0
    assert stages["report"]["html_bytes"] > 0
    assert stages["publish"]["published_bytes"] > 0


def test_the_mining_stage_is_split_into_its_parts(run: tuple[dict[str, Any], str, Path]) -> None:
    mining = _size(run)["median"]["stages"]["mining stage"]
    parts = mining["parts"]
    assert set(parts) == PARTS
    top = ("journeys", "mining", "history", "flags", "connect, commit, close")
    assert sum(parts[p]["seconds"] for p in top) == pytest.approx(mining["seconds"], abs=0.01)
    subs = [p for p in parts if p.startswith("mining: ")]
    assert sum(parts[p]["seconds"] for p in subs) <= parts["mining"]["seconds"] + 0.01
    for name, p in parts.items():
        assert p["seconds"] >= 0, name
        # a part's peak is within the process's: a process that resets its high-water mark
        # must still report the peak of its whole life
        assert 0.05 < p["peak_gb"] <= mining["peak_gb"], name
    assert mining["journeys"] > 0 and mining["variants"] > 0 and mining["flags"] > 0
    # a first night on a fresh warehouse, called as the nightly calls it: everything is built
    assert mining["built"].startswith("journeys: full rebuild")
    assert _size(run)["median"]["stages"]["stitch"]["full"] is True


def test_pm4py_the_floor_and_the_mining_tables_describe_the_same_graph(
    run: tuple[dict[str, Any], str, Path],
) -> None:
    repeat = _size(run)["repeats"][0]
    assert list(repeat["pm4py"]["calls"]) == PM4PY_CALLS
    assert all(_positive(c["seconds"]) for c in repeat["pm4py"]["calls"].values())
    pm, floor = repeat["pm4py"]["graph"], repeat["floor"]["graph"]
    assert pm["variants"] == floor["variants"] == repeat["floor"]["mined"]["variants"] > 10
    assert pm["moves"] == floor["moves"] > 0
    assert pm["starts"] == floor["starts"] == repeat["stages"]["mining stage"]["journeys"]
    assert pm["medians"].keys() == floor["medians"].keys()
    assert repeat["checks"] == {
        "accounting_holds": True,
        "every_planted_story_flagged": True,
        "each_the_top_flag_of_its_kind": True,
        "no_flag_but_the_planted": True,
        "pm4py_equals_floor": True,
        "largest_median_difference_seconds": pytest.approx(0, abs=1e-3),
        "mined_tables_equal_floor": True,
        "one_process_equals_staged": True,
        "pm4py_events": repeat["stages"]["mining stage"]["steps"],
        "mined_steps": repeat["stages"]["mining stage"]["steps"],
    }
    assert _positive(repeat["floor"]["seconds"]) and _positive(repeat["floor"]["cold_seconds"])
    whole = repeat["end_to_end"]
    assert whole["seconds"] < whole["process_seconds"]
    assert list(whole["steps"]) == END_TO_END_STEPS


def test_ratios_and_targets_come_from_the_measured_numbers(
    run: tuple[dict[str, Any], str, Path],
) -> None:
    size = _size(run)
    repeat = size["repeats"][0]
    graph = repeat["stages"]["mining stage"]["parts"]["mining: graph and variants"]
    r = repeat["ratios"]
    assert r["pm4py_over_graph_seconds"] == pytest.approx(
        repeat["pm4py"]["seconds"] / graph["seconds"], rel=0.01
    )
    assert r["graph_over_floor_seconds"] == pytest.approx(
        graph["seconds"] / repeat["floor"]["seconds"], rel=0.01
    )
    assert r["graph_over_pm4py_peak"] == pytest.approx(
        graph["peak_gb"] / repeat["pm4py"]["peak_gb"], rel=0.01
    )
    assert all(_positive(v) for v in r.values())
    targets = size["targets"]
    assert len(targets) == 7
    for t in targets:
        assert isinstance(t["passed"], bool) and _positive(t["measured"]), t
        assert t["applies"] is False  # they are stated for 10M and 50M events
    by_words = {t["target"]: t for t in targets}
    e2e = by_words["raw gzipped files to published report under 3 min"]
    assert e2e["measured"] == size["median"]["end_to_end"]["process_seconds"]
    assert e2e["passed"] is (e2e["measured"] < 180)


def test_the_results_describe_the_machine_and_the_table_is_printed(
    run: tuple[dict[str, Any], str, Path],
) -> None:
    results, printed, _ = run
    m = results["machine"]
    assert m["cpu"] and m["cores"] >= 1 and m["ram_gb"] > 0 and m["os"]
    assert m["python"] and m["duckdb"] and m["pm4py"]
    assert len(m["git_commit"]) == 40
    assert results["note"] == "smoke test"
    assert results["sizes"][0]["sql_profile_top"][0]["seconds"] > 0
    for line in ("ingest web", "graph and variants", "pm4py: discover_performance_dfg",
                 "DuckDB floor, warm", "targets (issue 12):", "checks: all agree"):  # fmt: skip
        assert line in printed


def test_the_generated_log_is_cached_until_the_generator_changes(
    run: tuple[dict[str, Any], str, Path], tmp_path: Path
) -> None:
    bench = _bench_module()
    cache = run[2]
    data = bench.ensure_data(cache, EVENTS, 7, tmp_path)
    assert data["cached"] is True
    assert data["records"] == _size(run)["data"]["records"]
    marker = cache / f"{EVENTS}-7" / bench.DATA_MARKER
    stale = json.loads(marker.read_text(encoding="utf-8"))
    marker.write_text(json.dumps(dict(stale, generator="older")), encoding="utf-8")
    again = bench.ensure_data(cache, EVENTS, 7, tmp_path)
    assert again["cached"] is False
    assert again["records"] == data["records"]


def test_explain_names_each_model_and_its_costliest_operators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    from journeymine import sql

    monkeypatch.setattr(sql, "load", sql.load)  # the probe wraps it: restored afterwards
    bench = _bench_module()
    probe = bench.Probe(tmp_path / "explain")
    probe.install()

    text = sql.load("time/history_schema")  # a model the probe now knows by its text
    assert probe.label(f"select * from ({text})") == "time/history_schema"
    (tmp_path / "explain").mkdir()
    with duckdb.connect() as raw:
        raw.execute("pragma enable_profiling = 'json'")
        con = bench._ProfiledConnection(raw, probe)
        con.execute("create table t as select range % 7 as k, range as v from range(200000)")
        rows = con.execute("select k, sum(v) from t group by k order by k").fetchall()
    assert len(rows) == 7  # the statement's result reaches the caller
    profile = {p["model"]: p for p in probe.profile()}
    grouped = profile["inline: select k, sum(v) from t group by k order by k"]
    assert grouped["calls"] == 1 and grouped["seconds"] > 0
    explained = grouped["slowest_call"]
    operators = [op["operator"] for op in explained["operators"]]
    assert any("GROUP_BY" in op for op in operators), operators
    assert explained["planning_seconds"] >= 0 and explained["seconds"] > 0


def test_end_to_end_only_runs_the_one_process_pipeline_and_its_checks(
    run: tuple[dict[str, Any], str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", str(EVENTS), "--repeats", "1",
         "--cache-dir", str(run[2]), "--workdir", str(tmp_path / "runs"), "--json", str(out),
         "--end-to-end-only"],
        capture_output=True, text=True, timeout=600, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    size = json.loads(out.read_text(encoding="utf-8"))["sizes"][0]
    repeat = size["repeats"][0]
    assert repeat["stages"] == {} and repeat["pipeline"] is None
    assert repeat["pm4py"] is None and repeat["floor"] is None
    assert set(repeat["ratios"].values()) == {None}
    # the same journeys and flags as the full harness's one-process run, checked as right
    assert repeat["checks"] == {
        "accounting_holds": True,
        "every_planted_story_flagged": True,
        "each_the_top_flag_of_its_kind": True,
        "no_flag_but_the_planted": True,
    }
    whole, before = repeat["end_to_end"], _size(run)["repeats"][0]["end_to_end"]
    assert (whole["journeys"], whole["flags"]) == (before["journeys"], before["flags"])
    by_words = {t["target"]: t for t in size["targets"]}
    assert by_words["end to end peak memory under 16 GB"]["measured"] == whole["peak_gb"]
    assert (
        by_words["mining stage (journeys to flags, history included) under 30 s"]["passed"] is None
    )
    assert "correctness: accounting holds for 3 file(s)" in done.stdout


def test_the_correctness_checks_fail_on_a_lost_row_and_a_missed_story(
    run: tuple[dict[str, Any], str, Path],
) -> None:
    import duckdb

    bench = _bench_module()
    truth = json.loads((run[2] / f"{EVENTS}-7" / "ground_truth.json").read_text("utf-8"))
    with duckdb.connect() as con:
        con.execute(
            "create table loads (source varchar, status varchar, rows_read bigint, "
            "rows_loaded bigint, rows_rejected bigint, rows_duplicate bigint)"
        )
        for source, records in truth["records"].items():
            duplicates = truth["broken_records"].get(source, {}).get("duplicate", 0)
            con.execute(
                "insert into loads values (?, 'loaded', ?, ?, 0, ?)",
                [source, records, records - duplicates, duplicates],
            )
        assert bench.accounting(con, truth)["holds"] is True
        # one row of the web file in none of the three places
        con.execute("update loads set rows_loaded = rows_loaded - 1 where source = 'web'")
        lost = bench.accounting(con, truth)
        assert lost["holds"] is False
        assert lost["sources"]["web"]["files_adding_up"] == 0
        con.execute("update loads set rows_loaded = rows_loaded + 1 where source = 'web'")
        # a source that read fewer records than were written
        con.execute("update loads set rows_read = rows_read - 1, rows_loaded = rows_loaded - 1")
        assert bench.accounting(con, truth)["holds"] is False

        con.execute("create table map_suggestions (from_touchpoint varchar, to_touchpoint varchar)")
        nothing = bench.planted_stories(con, [], truth)
    assert nothing["recall"] == 0.0 and nothing["missed"]
    assert nothing["precision"] == 1.0  # no flag raised, so none that was not planted
