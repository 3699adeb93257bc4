"""What a night costs: one new day on top of thirty days of history, incremental vs full.

    .venv/bin/python benchmarks/nightly_increment.py                 # 3M generated events
    .venv/bin/python benchmarks/nightly_increment.py --events 10000000 --repeats 1
    make bench-night

The generator writes one file per source per day (a few events arrive late). The first
thirty delivery days are loaded and analysed once (the warehouse a night starts from, copied
for every repeat). Then, each in a fresh process on a fresh copy of that warehouse:

- **incremental night**: day 31's files are ingested, stitched and analysed the way
  ``journeymine run`` does it (only the touched components, customers and weeks);
- **full rebuild**: the same, but with ``--full``: day 31 ingested, then stitching, journeys
  and every period recomputed from all events (what a night cost before incremental runs);
- **from scratch**: all 31 days ingested into an empty warehouse and analysed.

Each analysis discovers and exports the process model, as the nightly does; the report and
publishing are left out (they do not depend on how much was rebuilt). Prints the
medians and the ratios and writes JSON beside this file with the machine's description.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# this checkout's code, even where another journeymine is installed (a worktree of the repo)
sys.path[:0] = [str(REPO / "src"), str(REPO)]

HISTORY_DAYS = 30

_CHILD = """
import json, sys, time, resource
from journeymine.analysis import analyse
from journeymine.config import load_config
from journeymine.identity import stitch
from journeymine.ingest import ingest_sources
from journeymine.mapping import load_map
from journeymine.pii import HmacKey
from journeymine.warehouse import connect

config = load_config(sys.argv[1])
full = sys.argv[2] == "full"
key = HmacKey.from_secret("benchmark-secret-not-for-real-data")
seconds = {}
t = time.perf_counter()
# the sources side by side, as the nightly flow loads them
ingest_sources(config, key, lambda: connect(config.warehouse_path))
seconds["ingest"] = time.perf_counter() - t; t = time.perf_counter()
with connect(config.warehouse_path) as con:
    stitch(con, full=full)
    seconds["stitch"] = time.perf_counter() - t; t = time.perf_counter()
    result = analyse(con, config, load_map(config.map_path), incremental=not full,
                     export_dir=config.outputs_path)
    seconds["analyse"] = time.perf_counter() - t
print("RESULT " + json.dumps({
    "seconds": seconds,
    "total": sum(seconds.values()),
    "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2,
    "scope": result.report.built.describe(),
    "history": result.history.describe(),
}))
"""


def _config(directory: Path, data: Path) -> Path:
    from tests.conftest import write_config

    return write_config(directory, data)


def _run(config: Path, mode: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(config), mode],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])},
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(done.stderr)
    # DuckDB's progress bar may share the line (carriage returns, no newline)
    result: dict[str, Any] = json.loads(done.stdout.rpartition("RESULT ")[2].splitlines()[0])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--events",
        type=int,
        default=3_000_000,
        help="generated events (default 3M: 934,247 of them in the thirty days of history)",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "nightly_increment.json")
    args = parser.parse_args()

    from tests.conftest import deliver

    from journeymine.generate import generate

    work = Path(tempfile.mkdtemp(prefix="jm-night-"))
    try:
        cache = REPO / "benchmarks" / ".cache" / f"daily-{args.events}-{args.seed}"
        if not (cache / "ground_truth.json").exists():
            print(f"generating {args.events:,} events as daily files ...", flush=True)
            generate(cache, args.events, seed=args.seed, daily_files=True, late_share=0.05)
        # one delivery per day and part (a log above the generator's chunk size has parts)
        names = sorted(p.name.removeprefix("clickstream-") for p in (cache / "web").iterdir())
        deliveries = [
            {
                "web": cache / "web" / f"clickstream-{name}",
                "social": cache / "social" / f"interactions-{name.replace('.csv', '.jsonl')}",
                "chat": cache / "chat" / f"messages-{name.replace('.csv', '.jsonl')}",
            }
            for name in names
        ]
        days = sorted({name[:10] for name in names})
        history = [d for d in deliveries if d["web"].name[12:22] in days[:HISTORY_DAYS]]
        night = [d for d in deliveries if d["web"].name[12:22] == days[HISTORY_DAYS]]
        base = work / "base"
        deliver(history, base / "data")
        print(f"loading {HISTORY_DAYS} days of history ...", flush=True)
        first = _run(_config(base, base / "data"), "incremental")
        print(f"  history loaded and analysed in {first['total']:.1f} s", flush=True)

        runs: dict[str, list[dict[str, Any]]] = {"incremental": [], "full": [], "scratch": []}
        for r in range(args.repeats):
            for mode in runs:
                d = work / f"{mode}-{r}"
                if mode == "scratch":
                    deliver(history, d / "data")
                else:
                    shutil.copytree(base, d)
                deliver(night, d / "night")
                shutil.copytree(d / "night", d / "data", dirs_exist_ok=True)
                # the copy's pages written back now, not by the run's first commit: a real
                # night does not start with a freshly copied warehouse (about 1 s at 9.4M)
                os.sync()
                result = _run(_config(d, d / "data"), "incremental" if mode != "full" else "full")
                runs[mode].append(result)
                print(f"  {mode:<12} {result['total']:7.2f} s  "
                      f"{json.dumps({k: round(v, 2) for k, v in result['seconds'].items()})}  "
                      f"{result['scope']}", flush=True)  # fmt: skip
                shutil.rmtree(d)
        med = {m: statistics.median(x["total"] for x in v) for m, v in runs.items()}
        events = _count_events(base)
        out = {
            "generated_events": args.events,
            "history_days": HISTORY_DAYS,
            "events_in_history_warehouse": events,
            "repeats": args.repeats,
            "median_seconds": med,
            "median_seconds_by_stage": {
                m: {s: statistics.median(x["seconds"][s] for x in v) for s in v[0]["seconds"]}
                for m, v in runs.items()
            },
            "ratio_incremental_to_full": med["incremental"] / med["full"],
            "ratio_incremental_to_scratch": med["incremental"] / med["scratch"],
            "runs": runs,
            "machine": _machine(),
        }
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        print(
            f"\none day on {HISTORY_DAYS} days of history ({events:,} events loaded): "
            f"incremental {med['incremental']:.1f} s, full rebuild {med['full']:.1f} s "
            f"(ratio {out['ratio_incremental_to_full']:.2f}), from scratch "
            f"{med['scratch']:.1f} s (ratio {out['ratio_incremental_to_scratch']:.2f}); "
            f"medians of {args.repeats}; written to {args.json}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _count_events(base: Path) -> int:
    import duckdb

    with duckdb.connect(str(base / "warehouse.duckdb"), read_only=True) as con:
        return int(con.execute("select count(*) from events").fetchall()[0][0])


def _machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "commit": commit,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "note": "shared machine: other work ran at the same time"
        if os.environ.get("JM_BENCH_SHARED")
        else "",
    }


if __name__ == "__main__":
    main()
