"""The ``journeymine`` command line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from journeymine.errors import JourneymineError

EXIT_OK, EXIT_FAILED_FILES, EXIT_ERROR = 0, 1, 2


def _cmd_run(args: argparse.Namespace) -> int:
    # check configuration and map first: a typo is reported at once, before Prefect starts
    from journeymine.config import load_config
    from journeymine.mapping import load_map

    config = load_config(args.config)
    if config.map_path is not None:
        load_map(config.map_path)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from pipelines.nightly import run  # imported late: Prefect is slow to import

    result = run(args.config)
    print()
    print(result.summary())
    return EXIT_OK if result.ok else EXIT_FAILED_FILES


def _cmd_generate(args: argparse.Namespace) -> int:
    from journeymine.generate import generate

    sample = generate(
        args.out,
        args.events,
        seed=args.seed,
        stories=not args.no_stories,
        broken_rate=args.broken_rate,
        web_format=args.web_format,
        gzip_output=args.gzip,
    )
    print(
        f"wrote {sum(sample.records.values())} records ({sample.touchpoint_events} touchpoint "
        f"events, {sample.journeys} journeys, {sample.customers} customers) to {sample.out_dir}"
    )
    for channel, path in sample.files.items():
        print(f"  {channel:<7}{sample.records[channel]:>10}  {path}")
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
        help="run the nightly flow once",
        description="Ingest every configured source into the DuckDB warehouse and stitch "
        "identities, as one Prefect flow run (Prefect's local ephemeral API unless "
        "PREFECT_API_URL points at a server). Exit code 1 when a file failed to load.",
    )
    run.add_argument(
        "--config",
        type=Path,
        default=Path("journeymine.yaml"),
        help="configuration file (default: %(default)s)",
    )
    run.set_defaults(func=_cmd_run)

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
    gen.set_defaults(func=_cmd_generate)
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
    except JourneymineError as exc:
        print(f"journeymine: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return code


if __name__ == "__main__":
    raise SystemExit(main())
