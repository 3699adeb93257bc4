"""``journeymine compare``: did the fix work, or which arm of a test converts better."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from journeymine.errors import JourneymineError
from journeymine.periods.compare import ComparisonRow, Group, compare, parse_range, parse_segment

FORMATS = ("table", "csv", "json", "parquet")


def add_compare_command(sub: Any) -> None:
    from journeymine.sqlshell import add_database_options

    parser: argparse.ArgumentParser = sub.add_parser(
        "compare",
        help="compare journeys before and after a change, or two segments (an A/B test)",
        description="Compare two groups of journeys per touchpoint, stage and goal: their goal "
        "rates (and drop-off rates), the difference with its 95%% interval, the p-value "
        "(Fisher's exact test for small counts), the false discovery rate controlled across "
        "the rows, and a verdict: better, worse, no detectable change (with the smallest "
        "change the data could have shown) or too few journeys. Date ranges select journeys "
        "by when they ENTERED (each is followed to its end). Either --before/--after "
        "(optionally within --segment), or --a/--b over --dates. Reads the analysts' copy.",
    )
    add_database_options(parser)
    parser.add_argument("--before", metavar="FIRST..LAST", help="dates of entry before the change")
    parser.add_argument("--after", metavar="FIRST..LAST", help="dates of entry after the change")
    parser.add_argument(
        "--segment", metavar="KEY=VALUE", help="only this segment (e.g. entry_channel=social)"
    )
    parser.add_argument(
        "--a", metavar="KEY=VALUE", help="group a: a segment (e.g. variant=control)"
    )
    parser.add_argument("--b", metavar="KEY=VALUE", help="group b: a segment (e.g. variant=test)")
    parser.add_argument("--dates", metavar="FIRST..LAST", help="dates of entry for --a and --b")
    parser.add_argument("--touchpoint", help="only this touchpoint (and the goal)")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--out", type=Path, help="write here instead of the terminal")
    parser.set_defaults(func=run_compare_command)


def _groups(args: argparse.Namespace) -> tuple[Group, Group, str]:
    if args.a or args.b:
        if not (args.a and args.b):
            raise JourneymineError("compare: give both --a and --b, or --before and --after")
        if args.before or args.after or args.segment:
            raise JourneymineError("compare: --a/--b compare segments over --dates, not periods")
        first, last = parse_range(args.dates) if args.dates else (_EARLIEST, _LATEST)
        (ka, va), (kb, vb) = parse_segment(args.a), parse_segment(args.b)
        a, b = Group(first, last, ka, va), Group(first, last, kb, vb)
        return a, b, f"b = {b.describe()}; a = {a.describe()}"
    if not (args.before and args.after):
        raise JourneymineError("compare: give --before and --after (FIRST..LAST), or --a and --b")
    key, value = parse_segment(args.segment) if args.segment else ("all", "all")
    a = Group(*parse_range(args.before), key, value)
    b = Group(*parse_range(args.after), key, value)
    return a, b, f"after (b) = {b.describe()}; before (a) = {a.describe()}"


_EARLIEST = parse_range("1990-01-01..1990-01-01")[0]
_LATEST = parse_range("2099-12-31..2099-12-31")[0]


def _table(rows: list[ComparisonRow]) -> str:
    def pct(x: float | None) -> str:
        return "" if x is None else f"{100 * x:.1f}%"

    def pts(x: float | None) -> str:
        return "" if x is None else f"{100 * x:+.1f}"

    header = ("level", "node", "metric", "a", "b", "rate a", "rate b", "diff (pts)",
              "95% CI", "p", "verdict")  # fmt: skip
    lines = [header]
    for r in rows:
        ci = "" if r.ci_low is None else f"{pts(r.ci_low)} to {pts(r.ci_high)}"
        verdict: str = r.verdict
        if r.detectable_change is not None:
            verdict += f" (could have seen ±{100 * r.detectable_change:.1f} pts)"
        lines.append((
            r.level, r.node, r.metric, str(r.journeys_a), str(r.journeys_b), pct(r.rate_a),
            pct(r.rate_b), pts(r.difference), ci,
            "" if r.p_value is None else f"{r.p_value:.2g}", verdict,
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in lines
    )


def run_compare_command(args: argparse.Namespace) -> int:
    from journeymine.sqlshell import database_to_open, open_readonly

    a, b, described = _groups(args)
    path, memory_limit = database_to_open(args.config, args.database)
    with open_readonly(path, memory_limit=memory_limit, published=args.database is None) as con:
        rows = compare(con, a, b, touchpoint=args.touchpoint)
    if not rows:
        raise JourneymineError(f"compare: no journey entered in either group ({described})")
    records = [asdict(r) for r in rows]
    if args.format == "parquet":
        if args.out is None:
            raise JourneymineError("compare --format parquet needs --out FILE")
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(records), args.out)
        return 0
    if args.format == "json":
        text = json.dumps({"compared": described, "rows": records}, indent=2)
    elif args.format == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
        text = buffer.getvalue()
    else:
        text = (
            f"{described}\n(dates select journeys by their entry; each is followed to its end)\n\n"
            + _table(rows)
        )
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
    return 0
