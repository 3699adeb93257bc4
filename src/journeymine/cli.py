"""The ``journeymine`` command line."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from journeymine.errors import JourneymineError, WarehouseError

if TYPE_CHECKING:
    from collections.abc import Callable

    from journeymine.generate import DatedStories

# Exit codes, the same for every command; `journeymine run --help` lists them.
EXIT_OK, EXIT_FAILED_FILES, EXIT_ERROR, EXIT_LOCKED = 0, 1, 2, 3


def _nightly_module() -> ModuleType:
    """The Prefect flows: inside the installed package, or the checkout's ``pipelines/``."""
    try:
        return importlib.import_module("journeymine.pipelines.nightly")
    except ModuleNotFoundError as exc:
        if exc.name not in ("journeymine.pipelines", "journeymine.pipelines.nightly"):
            raise
        return importlib.import_module("pipelines.nightly")


def _orchestrator_defaults() -> None:
    """No usage analytics; and a local API that is slow to start on a busy machine (20 s by
    Prefect's default) must not fail the night."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def preflight(config_path: Path) -> None:
    """Every check that needs no orchestrator: configuration, map and the PII secret.

    Raises the first problem as a ``JourneymineError`` (one line, exit code 2), before Prefect
    is imported or its local API started.
    """
    from journeymine.config import load_config
    from journeymine.mapping import load_map
    from journeymine.pii import load_key

    config = load_config(config_path)
    if config.map_path is not None:
        load_map(config.map_path)
    load_key(config.pii.secret_env, allow_development_secret=config.pii.allow_development_secret)


def _cmd_run(args: argparse.Namespace) -> int:
    from journeymine import leftovers
    from journeymine.config import load_config

    preflight(args.config)
    warehouse = load_config(args.config).warehouse_path
    leftovers.reap(warehouse)  # what a killed run on this warehouse left behind
    leftovers.mark_run(warehouse)  # before the orchestrator starts its server
    _orchestrator_defaults()
    result = _nightly_module().run(
        args.config, full=args.full
    )  # imported late: Prefect is slow to import
    print()
    print(result.summary())
    return EXIT_OK if result.ok else EXIT_FAILED_FILES


_RUN_DESCRIPTION = """\
Run the nightly pipeline once, as one Prefect flow run (Prefect's local ephemeral API
unless PREFECT_API_URL points at a server):

  1. ingest   every configured source: new files only (a file is never loaded twice);
              each record validated, bad ones quarantined with a reason, PII hashed
  2. stitch   identities across channels into customers (retroactive)
  3. mine     journeys, the journey graph, variants, conformance to the designed map,
              metrics per day and week, what changed since when
  4. flag     drop-offs, dead ends, loops and undesigned paths, ranked by lost goal
              completions
  5. report   the drop-off report (reports/<run date>/: HTML, CSV, Parquet, summary.json)
  6. publish  a read-only copy of the warehouse for analysts

Configuration, map and PII secret are checked before anything starts. A source whose
pattern matches no file is a failure: the other sources are still loaded, but mining and
flags are skipped (the last complete run's stay), since flags over a missing channel would
be artefacts of it.

A night costs what its new data costs: only the identity components, the customers' journeys
and the days and weeks that the new files touch are recomputed (the aggregates cover every
journey). --full rebuilds all of it; a changed map or journey setting does so by itself.

It writes: the warehouse (`warehouse:`), the analysts' copy beside it, and the outputs
folder (`outputs:`): flags.csv, discovered_journeys.bpmn/.pnml, and the reports folder
(`reports:`): one reports/<run date>/ per run.
"""

_RUN_EPILOG = """\
exit codes:
  0  every file loaded (or skipped as already loaded)
  1  a file failed to load, or a source found no file (see the summary)
  2  configuration error: the configuration, the map, or the PII secret
  3  the warehouse stayed locked by another process through every retry
"""


def _cmd_serve(args: argparse.Namespace) -> int:
    from journeymine import leftovers
    from journeymine.config import load_config

    preflight(args.config)
    warehouse = load_config(args.config).warehouse_path
    leftovers.reap(warehouse)
    leftovers.mark_run(warehouse)
    _orchestrator_defaults()
    print(
        f"serving the nightly flow as deployment {args.name!r}: cron {args.cron!r} "
        f"({args.timezone}), configuration {args.config.resolve()}; Ctrl-C stops it",
        flush=True,
    )
    _nightly_module().serve(
        args.config, cron=args.cron, timezone=args.timezone, name=args.name, port=args.port
    )
    return EXIT_OK


def _dated_stories(args: argparse.Namespace) -> DatedStories:
    """The dated stories the options ask for: the sample's unless any is given."""
    from journeymine.generate import SAMPLE_DATED, DatedStories, Seasonality

    given = args.incident or args.fix or args.seasonality or args.arms
    if args.no_dated_stories:
        if given:
            raise JourneymineError(
                "generate: --no-dated-stories plants none, so it goes with no --incident, "
                "--fix, --seasonality or --arms"
            )
        return DatedStories()
    if not given:
        return SAMPLE_DATED
    return DatedStories(
        incidents=tuple(args.incident or ()),
        fixes=tuple(args.fix or ()),
        seasonality=Seasonality(touchpoint=args.seasonality) if args.seasonality else None,
        arms=args.arms,
    )


def _story_option(parser: str) -> Callable[[str], object]:
    """An argparse type from one of the generator's parsers (imported only when used): its
    error names what was found and what is allowed."""

    def convert(text: str) -> object:
        from journeymine import generate

        try:
            return getattr(generate, parser)(text)
        except JourneymineError as exc:
            raise argparse.ArgumentTypeError(f"{text}: {exc}") from None

    return convert


def _cmd_generate(args: argparse.Namespace) -> int:
    from journeymine.generate import generate

    dated = _dated_stories(args)
    sample = generate(
        args.out,
        args.events,
        seed=args.seed,
        stories=not args.no_stories,
        broken_rate=args.broken_rate,
        web_format=args.web_format,
        gzip_output=args.gzip,
        dated=dated,
        daily_files=args.daily_files,
        late_share=args.late_share,
    )
    print(
        f"wrote {sum(sample.records.values())} records ({sample.touchpoint_events} touchpoint "
        f"events, {sample.journeys} journeys, {sample.customers} customers) to {sample.out_dir}"
    )
    for channel, path in sample.files.items():
        print(f"  {channel:<7}{sample.records[channel]:>10}  {path}")
    if args.daily_files:
        print(f"  {len(sample.deliveries)} daily deliveries (one file per source per day)")
    for line in dated.describe():
        print(f"  dated story: {line}")
    print(f"  ground truth: {sample.out_dir / 'ground_truth.json'}")
    return EXIT_OK


def _cmd_validate_map(args: argparse.Namespace) -> int:
    from journeymine.mapping import load_map

    journey_map = load_map(args.file)
    print(
        f"{args.file}: valid journey map {journey_map.name!r}: {len(journey_map.stages)} stages, "
        f"{len(journey_map.touchpoints)} touchpoints, {len(journey_map.transitions)} designed "
        f"transitions, entries {', '.join(journey_map.entries)}, goals "
        f"{', '.join(journey_map.goals)}"
    )
    if args.print_yaml:
        from journeymine.mapping import dump_map_document, to_document

        print(dump_map_document(to_document(journey_map)))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="journeymine",
        description="Discover how customers really travel through a brand, "
        "and where they get lost.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run the nightly flow once: ingest, stitch, mine, flag, report, publish",
        description=_RUN_DESCRIPTION,
        epilog=_RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "--config",
        type=Path,
        default=Path("journeymine.yaml"),
        help="configuration file (default: %(default)s)",
    )
    run.add_argument(
        "--full",
        action="store_true",
        help="rebuild stitching, journeys and every period from all events loaded, instead of "
        "only what tonight's new data touches (a changed map does this by itself)",
    )
    run.set_defaults(func=_cmd_run)

    serve = sub.add_parser(
        "serve",
        help="serve the nightly flow on its schedule from this process",
        description="Serve the nightly flow with a cron schedule from one long-running "
        "process, for teams without a Prefect worker: it registers a deployment with "
        "Prefect's API and runs each scheduled run. Unless PREFECT_API_URL points at a "
        "server, it starts a local Prefect server with its scheduler (and UI) for as long as "
        "it serves. When stopped (SIGTERM, Ctrl-C) it pauses the deployment and stops that "
        "server. Configuration, map and PII secret are checked first.",
    )
    serve.add_argument(
        "--config", type=Path, default=Path("journeymine.yaml"),
        help="configuration file (default: %(default)s)",
    )  # fmt: skip
    serve.add_argument("--cron", default="0 2 * * *", help="schedule (default: %(default)s)")
    serve.add_argument("--timezone", default="UTC", help="the cron's time zone (default: UTC)")
    serve.add_argument("--name", default="nightly", help="deployment name (default: nightly)")
    serve.add_argument(
        "--port", type=int, default=None,
        help="the local Prefect server's port, for its UI (default: a free one; "
        "not used with PREFECT_API_URL)",
    )  # fmt: skip
    serve.set_defaults(func=_cmd_serve)

    vm = sub.add_parser(
        "validate-map",
        help="check a designed journey map (YAML, or BPMN 2.0 from a modeler)",
        description="Validate a journey map alone. Exit code 2 and every problem, with its "
        "line and key, when it is invalid.",
    )
    vm.add_argument("file", type=Path, help="map file: .yaml/.yml, or .bpmn")
    vm.add_argument(
        "--print-yaml", action="store_true", help="print the map as YAML (e.g. an imported BPMN)"
    )
    vm.set_defaults(func=_cmd_validate_map)

    gen = sub.add_parser(
        "generate",
        help="write a synthetic sample with planted stories",
        description="Write deterministic, seeded web (CSV/Parquet), social and chat (JSON lines) "
        "exports for the sample brand, with the ground truth in ground_truth.json.",
    )
    gen.add_argument(
        "--events",
        type=int,
        default=5000,
        help="about how many touchpoint events (default: %(default)s)",
    )
    gen.add_argument("--out", type=Path, required=True, help="output folder")
    gen.add_argument("--seed", type=int, default=7, help="random seed (default: %(default)s)")
    gen.add_argument(
        "--no-stories",
        action="store_true",
        help="follow the designed map only: no planted deviation",
    )
    gen.add_argument(
        "--broken-rate",
        type=float,
        default=0.02,
        help="share of events that get a broken extra record (default: %(default)s)",
    )
    gen.add_argument("--web-format", choices=["csv", "parquet"], default="csv")
    gen.add_argument("--gzip", action="store_true", help="gzip the CSV and JSON lines files")
    gen.add_argument(
        "--daily-files",
        action="store_true",
        help="one file per source per day (web/clickstream-2026-09-01.csv ...), as nightly "
        "exports land: deliver them day by day to try incremental nights",
    )
    gen.add_argument(
        "--late-share",
        type=float,
        default=0.0,
        help="with --daily-files, the share of events delivered 1-3 days late (default 0)",
    )
    dated = gen.add_argument_group(
        "dated stories",
        "What changes over time, for regressions, improvements and compare to find (dates in "
        "the 60 days from 2026-09-01 over which customers arrive; the moves out of the "
        "touchpoint change on the date of the event there). Without any of these options the "
        "sample's own: an incident at checkout for device_type=mobile 2026-10-06..2026-10-12, "
        "a fix at payment from 2026-10-19 and a weekly rhythm; given any, exactly those.",
    )
    dated.add_argument(
        "--incident",
        action="append",
        metavar="TOUCHPOINT:KEY=VALUE:FIRST..LAST[:SHARE]",
        type=_story_option("parse_incident"),
        help="a share (default 0.7) of the segment's moves out of TOUCHPOINT turn into "
        "leaving over the dates; KEY is device_type, utm_source, entry_channel or variant "
        "(repeatable)",
    )
    dated.add_argument(
        "--fix",
        action="append",
        metavar="TOUCHPOINT:DATE[:SHARE]",
        type=_story_option("parse_fix"),
        help="from DATE a share (default 0.7) of the journeys leaving or straying at "
        "TOUCHPOINT go on as designed (repeatable)",
    )
    dated.add_argument(
        "--seasonality",
        nargs="?",
        const="product_page",
        metavar="TOUCHPOINT",
        type=_story_option("parse_seasonality"),
        help="a weekly rhythm: fewer journeys start at weekends, and fewer go on from "
        "TOUCHPOINT (default %(const)s) then",
    )
    dated.add_argument(
        "--arms",
        metavar="TOUCHPOINT[:LIFT]",
        type=_story_option("parse_arms"),
        help="split customers into variant=control|test (the web export's variant column); "
        "in test a share LIFT (default 0.5) of those leaving or straying at TOUCHPOINT go on",
    )
    dated.add_argument("--no-dated-stories", action="store_true", help="nothing changes over time")
    gen.set_defaults(func=_cmd_generate)

    from journeymine.sqlshell import add_sql_command

    add_sql_command(sub)  # journeymine sql: read-only SQL on the analysts' copy

    from journeymine.export import add_export_command

    add_export_command(sub)  # journeymine export: XES, Parquet and BPMN for other tools

    from journeymine.periods.command import add_compare_command

    add_compare_command(sub)  # journeymine compare: did the fix work? which arm converts?

    from journeymine.report.command import add_report_command

    add_report_command(sub)  # journeymine report: the drop-off report, from the warehouse
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command != "run":  # a flow run logs through Prefect's handlers
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logging.getLogger("journeymine").addHandler(handler)
    logging.getLogger("journeymine").setLevel(logging.INFO)
    try:
        code: int = args.func(args)
    except WarehouseError as exc:
        print(f"journeymine: error: {exc}", file=sys.stderr)
        return EXIT_LOCKED if exc.locked else EXIT_ERROR
    except JourneymineError as exc:
        print(f"journeymine: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return code


if __name__ == "__main__":
    raise SystemExit(main())
