"""Peak memory of loading one web CSV file of 1M, 3M and 10M records (not a test: a measurement).

    .venv/bin/python benchmarks/load_memory.py                  # 1M, 3M and 10M records
    .venv/bin/python benchmarks/load_memory.py --sizes 1000000  # one size
    make bench-load

For each size, a web clickstream CSV in the generator's format (the sample's columns and
touchpoints, with duplicates, bad timestamps and unknown events mixed in) is written by DuckDB
(the generator itself needs 17 GB for 10M events), then loaded into a fresh warehouse by the
real loader (``journeymine.ingest.load.load_file``, one transaction for the whole file) in a
fresh Python process. The peak resident memory of that process (``wait4``'s ``ru_maxrss``:
Python, pyarrow and DuckDB together) and the wall time are printed as a table and written as
JSON with the machine's description. Loads run one at a time with DuckDB's ``memory_limit``
set explicitly, so the figures do not depend on the machine's memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import yaml

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (1_000_000, 3_000_000, 10_000_000)

# One row per record. i counts from 1. Every 500th record repeats the previous record's event
# id (a duplicate), every 1000th has a timestamp in a foreign format, every 1000th (offset 13)
# an event no touchpoint rule knows; the rest are page views, carts, logins and purchases of
# visitors with about 25 events each.
SYNTHETIC_WEB = """
copy (
    with
    numbered as (
        select range as i from range(1, $n + 1)
    ),

    shaped as (
        select
            i,
            case when i % 500 = 0 then i - 1 else i end as id_no,
            timestamp '2026-07-01' + to_seconds(i * 60 * 24 * 60 // $n) as ts,
            case
                when i % 1000 = 13 then 'video_play'
                when i % 20 = 0 then 'add_to_cart'
                when i % 20 = 1 then 'checkout_started'
                when i % 20 = 2 then 'login'
                when i % 20 = 3 then 'purchase'
                else 'page_view'
            end as event_name,
            ['/', '/blog/choosing-an-e-bike', '/bikes', '/bikes/trail-' || (i % 7),
             '/compare', '/help/delivery', '/checkout/payment', '/account/setup'][1 + i % 8]
                as path
        from numbered
    ),

    final as (
        select
            i,
            'web-' || lpad(cast(id_no as varchar), 10, '0') as event_id,
            case
                when i % 1000 = 7 then strftime(ts, '%d/%m/%Y %H:%M h')
                else strftime(ts, '%Y-%m-%dT%H:%M:%S') || '+02:00'
            end as collector_tstamp,
            event_name,
            'https://brightwheel.example' || path
                || case when i % 97 = 0
                        then '?utm_source=facebook&utm_medium=paid_social&fbclid=fb' || i
                        else '' end as page_url,
            case when i % 3 = 0 then 'https://www.google.com/' end as page_referrer,
            'ck' || lpad(cast(i // 25 as varchar), 10, '0') as domain_userid,
            case when i % 10 < 3 then 'u' || (i // 250) end as user_id,
            case when event_name in ('login', 'purchase')
                then 'visitor' || (i // 250) || '@mail.example' end as user_email,
            's' || lpad(cast(i // 8 as varchar), 10, '0') as domain_sessionid,
            ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 '
                || 'Chrome/126.0 Safari/537.36',
             'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 '
                || 'Mobile/15E148',
             'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 '
                || 'Version/17.5 Safari/605.1.15'
            ][1 + i % 3] as useragent,
            '198.51.' || (i // 25 % 256) || '.' || (i // 6400 % 256) as user_ipaddress,
            case when i % 97 = 0 then 'facebook' end as utm_source,
            case when i % 97 = 0 then 'paid_social' end as utm_medium,
            case when i % 97 = 0 then 'autumn-launch' end as utm_campaign
        from shaped
    )

    select * exclude (i) from final order by i
) to '{target}' (format csv, header true)
"""


def write_web_csv(path: Path, records: int, memory_limit: str) -> None:
    """Write the synthetic web export of ``records`` rows (the SQL above) to ``path``."""
    partial = path.with_name(path.name + ".partial")
    target = str(partial).replace("'", "''")
    with duckdb.connect(config={"memory_limit": memory_limit, "threads": 2}) as con:
        con.execute(SYNTHETIC_WEB.replace("{target}", target), {"n": records})
    os.replace(partial, path)


def _config(workdir: Path, csv: Path, memory_limit: str) -> Path:
    """The repository's configuration, reduced to its web source and pointed at ``csv``."""
    raw = yaml.safe_load((REPO / "journeymine.yaml").read_text(encoding="utf-8"))
    raw["warehouse"] = str(workdir / "warehouse.duckdb")
    raw["map"] = str(REPO / raw["map"])
    raw["outputs"] = str(workdir / "out")
    raw["memory_limit"] = memory_limit
    # the sample's field mapping and touchpoint rules; the attributes the synthetic file has
    raw["sources"] = [
        dict(s, path=str(csv), attributes=["utm_source", "utm_medium", "utm_campaign"])
        for s in raw["sources"]
        if s["name"] == "web"
    ]
    path = workdir / "journeymine.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def child_load(config_path: Path) -> None:
    """In the measured process: load the one file, print the outcome as JSON."""
    import logging

    from journeymine.config import load_config
    from journeymine.ingest import discover_files
    from journeymine.ingest.load import load_file
    from journeymine.pii import HmacKey
    from journeymine.warehouse import connect

    logging.basicConfig(level=logging.INFO, format="    %(message)s", stream=sys.stderr)
    config = load_config(config_path)
    (source,) = config.sources
    (path,) = discover_files(config, source)
    key = HmacKey.from_secret("journeymine-load-memory-benchmark")
    with connect(config.warehouse_path, memory_limit=config.memory_limit) as con:
        started = time.perf_counter()
        result = load_file(con, source, path, key)
        seconds = time.perf_counter() - started
        events = con.execute("select count(*) from events").fetchall()[0][0]
    print(
        json.dumps(
            {
                "status": result.status,
                "error": result.error,
                "rows_read": result.rows_read,
                "rows_loaded": result.rows_loaded,
                "rows_rejected": result.rows_rejected,
                "rows_duplicate": result.rows_duplicate,
                "events_in_warehouse": events,
                "load_seconds": round(seconds, 1),
            }
        )
    )


def _rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def measure(records: int, workdir: Path, memory_limit: str) -> dict[str, Any]:
    """Load a ``records``-row file in a fresh process; its peak RSS, wall time and outcome."""
    csv = workdir / f"web-{records}.csv"
    if not csv.exists():
        print(f"  writing {csv.name} ...", flush=True)
        started = time.perf_counter()
        write_web_csv(csv, records, memory_limit)
        print(f"  written in {time.perf_counter() - started:.0f} s", flush=True)
    run_dir = workdir / f"run-{records}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir()
    config = _config(run_dir, csv, memory_limit)
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, __file__, "--child-load", str(config)],
        stdout=subprocess.PIPE,
        text=True,
    )
    samples: list[tuple[float, float]] = []  # (seconds, RSS MiB), every second, for the shape
    done = threading.Event()

    def poll() -> None:
        while not done.wait(1.0):
            rss = _rss_mb(child.pid)
            if rss is not None:
                samples.append((round(time.perf_counter() - started, 1), round(rss)))

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    poller.join()
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"the load of {csv.name} exited with {child.returncode}")
    outcome = json.loads(output.strip().splitlines()[-1])
    if outcome["status"] != "loaded":
        raise SystemExit(f"{csv.name} did not load: {outcome['error']}")
    shutil.rmtree(run_dir, ignore_errors=True)
    return {
        "records": records,
        "file_mb": round(csv.stat().st_size / (1 << 20)),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),  # Linux: KiB
        "process_seconds": round(wall, 1),
        **outcome,
        "rss_mb_every_second": samples,
    }


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next(
                line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "ram_gb": round(ram / (1 << 30), 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "system": platform.platform(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="records per file, comma-separated (default: 1M, 3M, 10M)",
    )
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB's memory_limit")
    parser.add_argument(
        "--workdir", type=Path, help="where the CSV files are kept (default: a temporary folder)"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=REPO / "benchmarks" / "load_memory.json",
        help="where to write the results",
    )
    parser.add_argument("--child-load", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_load:
        child_load(args.child_load)
        return
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="journeymine-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(
        f"machine: {info['cpus']} CPUs ({info['cpu']}), {info['ram_gb']} GB RAM; "
        f"DuckDB {info['duckdb']}, memory_limit {args.memory_limit}",
        flush=True,
    )
    results = []
    for records in sizes:
        print(f"{records:,} records:", flush=True)
        results.append(measure(records, workdir, args.memory_limit))
        r = results[-1]
        print(
            f"  peak RSS {r['peak_rss_mb']:,} MiB, {r['process_seconds']} s "
            f"({r['rows_loaded']:,} loaded, {r['rows_rejected']:,} rejected, "
            f"{r['rows_duplicate']:,} duplicate)",
            flush=True,
        )
    print()
    print(f"{'records':>12} {'file MiB':>9} {'peak RSS MiB':>13} {'seconds':>8}")
    for r in results:
        print(
            f"{r['records']:>12,} {r['file_mb']:>9,} {r['peak_rss_mb']:>13,} "
            f"{r['process_seconds']:>8}"
        )
    args.json.write_text(
        json.dumps(
            {"machine": info, "memory_limit": args.memory_limit, "results": results}, indent=2
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"written: {args.json}")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
