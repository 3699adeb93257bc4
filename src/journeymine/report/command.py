"""``journeymine report``: rebuild the drop-off report from the warehouse, for any range of
entry dates or segment, without ingesting or mining anything."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from journeymine.errors import JourneymineError


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2026-03-01") from exc


def add_report_command(sub: Any) -> None:
    """Register ``journeymine report`` on the command line's subparsers."""
    from journeymine.sqlshell import add_database_options

    parser: argparse.ArgumentParser = sub.add_parser(
        "report",
        help="rebuild the drop-off report from the warehouse (any range or segment)",
        description="Build the drop-off report (dropoff_report.html, flags.csv, "
        "touchpoint_stats.csv, map_suggestions.csv, Parquet copies, summary.json) from the "
        "analysts' copy of the warehouse, read-only: nothing is ingested or mined. --from/--to "
        "select journeys by the day they entered; the findings stay the nightly run's, "
        "computed over the whole period, and the report says so.",
    )
    add_database_options(parser)
    parser.add_argument("--from", dest="date_from", type=_day, metavar="DATE")
    parser.add_argument("--to", dest="date_to", type=_day, metavar="DATE")
    parser.add_argument(
        "--segment", metavar="KEY=VALUE", help="only this segment (e.g. entry_channel=social)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="folder to write (default: the configuration's reports folder / today's date, "
        "with the range and segment appended)",
    )
    parser.set_defaults(func=run_report_command)


def run_report_command(args: argparse.Namespace) -> int:
    from journeymine.periods.compare import parse_segment
    from journeymine.report.build import build_report
    from journeymine.report.scope import ReportScope
    from journeymine.sqlshell import database_to_open, open_readonly

    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise JourneymineError(f"report: --from {args.date_from} is after --to {args.date_to}")
    key, value = parse_segment(args.segment) if args.segment else ("all", "all")
    scope = ReportScope(args.date_from, args.date_to, key, value)
    out: Path | None = args.out
    if out is None:
        if args.database is not None:
            raise JourneymineError("report: --database needs --out (there is no configuration)")
        from journeymine.config import load_config

        reports = load_config(args.config).reports_path
        name = date.today().isoformat() + (f"_{scope.slug()}" if scope.slug() else "")
        out = reports / name
    path, memory_limit = database_to_open(args.config, args.database)
    with open_readonly(path, memory_limit=memory_limit, published=args.database is None) as con:
        built = build_report(con, out, scope=scope, inputs={"warehouse": str(path)})
    h = built.summary["headline"]
    print(
        f"wrote {built.html} ({h['journeys']} journeys, {h['findings']} findings) in "
        f"{built.seconds:.1f} s"
    )
    return 0
