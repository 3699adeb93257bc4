"""The nightly flow: ingest every source, stitch identities, mine journeys, raise flags.

DuckDB allows one writer per file, so tasks that write run one after another, each with its
own connection. A locked warehouse is the one transient failure worth retrying; a bad file is
not an exception at all (the library records it as a failed load and goes on).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.task_runners import ThreadPoolTaskRunner

from journeymine.analysis import Analysis, analyse
from journeymine.config import Config, load_config
from journeymine.errors import WarehouseError
from journeymine.flags import Flag
from journeymine.identity import StitchReport, stitch
from journeymine.ingest import SourceReport, ingest_source, reserve_load_ids
from journeymine.ledger import RunRecord, finish_run, start_run
from journeymine.mapping import JourneyMap, load_map
from journeymine.mine import MiningReport
from journeymine.pii import load_key
from journeymine.report import BuiltReport, build_report, export_flags_csv
from journeymine.summary import failed_files, format_summary, sources_without_files
from journeymine.warehouse import connect, publish


def _open(config: Config) -> duckdb.DuckDBPyConnection:
    return connect(config.warehouse_path, memory_limit=config.memory_limit)


def _retry_if_locked(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only when the warehouse was locked by another process."""
    try:
        state.result()
    except WarehouseError:
        return True
    except Exception:
        return False
    return False


_WRITER = {
    "retries": 3,
    "retry_delay_seconds": 20,
    "retry_condition_fn": _retry_if_locked,
    "cache_policy": NO_CACHE,
}


@task(name="reserve-load-ids", **_WRITER)
def reserve_load_ids_task(config: Config) -> dict[str, dict[str, int]]:
    with _open(config) as con:
        return reserve_load_ids(con, config)


@task(name="ingest-source", task_run_name="ingest {source_name}", **_WRITER)
def ingest_source_task(
    config: Config, source_name: str, load_ids: dict[str, int] | None = None
) -> SourceReport:
    # the key is derived here, never passed as a task parameter that Prefect could record
    key = load_key(
        config.pii.secret_env, allow_development_secret=config.pii.allow_development_secret
    )
    with _open(config) as con:
        return ingest_source(con, config, config.source(source_name), key, load_ids)


def _ingest(config: Config) -> list[SourceReport]:
    """Every source's new files, ``parallel_loads`` sources at a time (one task each, on its
    own connection), numbered first so that the loads number their files as one after the
    other would (``reserve_load_ids``). Waits for every load before a failed one raises."""
    load_ids = reserve_load_ids_task(config)
    with ThreadPoolTaskRunner(max_workers=config.parallel_loads) as runner:
        futures = [
            runner.submit(
                ingest_source_task,
                {"config": config, "source_name": s.name, "load_ids": load_ids[s.name]},
            )
            for s in config.sources
        ]
        wait(futures)
        return [future.result() for future in futures]


@task(name="stitch-identities", **_WRITER)
def stitch_task(config: Config, full: bool = False) -> StitchReport:
    with _open(config) as con:
        return stitch(con, full=full)


@task(name="mine-and-flag", **_WRITER)
def mine_task(config: Config, journey_map: JourneyMap, full: bool = False) -> Analysis:
    with _open(config) as con:
        return analyse(
            con, config, journey_map, export_dir=config.outputs_path, incremental=not full
        )


@task(name="export-drop-off-report", **_WRITER)
def report_task(config: Config) -> BuiltReport:
    """reports/<run date>/ from the warehouse (the HTML report, CSV, Parquet, summary.json),
    and the flags alone in the outputs folder (flags.csv, as before)."""
    from prefect.runtime import flow_run

    with _open(config) as con:
        export_flags_csv(con, config.outputs_path / "flags.csv")
        return build_report(
            con,
            config.reports_path / date.today().isoformat(),
            run_id=str(flow_run.id) if flow_run.id else None,
            inputs={"warehouse": str(config.warehouse_path), "config": str(config.base_dir)},
        )


@dataclass(frozen=True)
class MiningOutcome:
    report: MiningReport
    flags: tuple[Flag, ...]
    flags_csv: Path
    analysis: Analysis
    # the drop-off report of the run (reports/<run date>/)
    report_folder: BuiltReport | None = None


@task(name="publish-warehouse", **_WRITER)
def publish_task(config: Config) -> Path:
    return publish(config.warehouse_path, memory_limit=config.memory_limit)


# How many flags the run summary shows; the rest are in the report.
SUMMARY_FLAGS = 5


@dataclass(frozen=True)
class NightlyResult:
    sources: tuple[SourceReport, ...]
    stitch: StitchReport
    mining: MiningOutcome | None
    published: Path
    # why journeys were not mined this run, when they were not
    mining_skipped: str | None = None

    @property
    def ok(self) -> bool:
        return not failed_files(self.sources) and not sources_without_files(self.sources)

    def summary(self) -> str:
        return (
            format_summary(self.sources)
            + f"\n\ncustomers: {self.stitch.customers} stitched from {self.stitch.nodes} "
            f"identifiers ({self.stitch.events_updated} events re-pointed; "
            + (
                "full stitch"
                if self.stitch.full
                else f"{self.stitch.nodes_relabelled} identifiers relabelled"
            )
            + ")"
            + self._mining_summary()
            + f"\nanalysts' copy: {_shown(self.published)}"
        )

    def _mining_summary(self) -> str:
        if self.mining is None:
            return f"\n{self.mining_skipped}"
        c = self.mining.report.conformance
        flags = self.mining.flags
        lines = [
            "",
            f"journeys: {c.journeys} in {c.variants} variants; conformance to the designed map: "
            f"transition fitness {_pct(c.transition_fitness)}, design coverage "
            f"{_pct(c.design_coverage)}, conforming journeys {_pct(c.conforming_journey_rate)}, "
            f"token-replay fitness {_pct(c.token_replay_fitness)}",
            f"flags: {len(flags)}, ranked by lost goal completions",
        ]
        share = c.goals_before_predecessor_share
        if share is not None and share > ORDER_WARNING_SHARE:
            lines.insert(
                2,
                f"warning: {c.goals_before_predecessor} of {c.goal_steps} goals "
                f"({_pct(share)}) come right before one of their designed predecessors: the "
                "exports' timestamps look coarse or out of order, so some converted journeys "
                "may look lost",
            )
        for f in flags[:SUMMARY_FLAGS]:
            lines += [
                f"  {f.rank:>2}. {f.kind:<22} {f.subject:<32} {_whom(f):<34} "
                f"~{f.lost_goal_completions:.1f} lost",
                f"      {f.evidence.split('. ')[0]}",
            ]
        more = len(flags) - SUMMARY_FLAGS
        if more > 0:
            lines.append(f"  ... and {more} more in {_shown(self.mining.flags_csv)}")
        else:
            lines.append(f"  all flags with their evidence: {_shown(self.mining.flags_csv)}")
        if self.mining.report_folder is not None:
            lines.append(f"drop-off report: {_shown(self.mining.report_folder.html)}")
        lines.append(self.mining.report.built.describe())
        lines.append(self.mining.analysis.history.describe())
        if self.mining.report.model is not None:
            lines.append(f"discovered model: {_shown(self.mining.report.model.bpmn)} (and .pnml)")
        return "\n".join(lines)

    def headline(self) -> str:
        """One line for the orchestrator's log; the summary itself goes to the artifact."""
        files = sum(len(r.files) for r in self.sources)
        loaded = sum(r.count("loaded") for r in self.sources)
        failed = len(failed_files(self.sources))
        missing = len(sources_without_files(self.sources))
        flags = "not mined" if self.mining is None else f"{len(self.mining.flags)} flag(s)"
        return (
            f"{'done' if self.ok else 'done with problems'}: {loaded} of {files} file(s) "
            f"loaded, {failed} failed, {missing} source(s) without files; {flags}"
        )


# Above this share of goals right before a designed predecessor, the summary warns.
ORDER_WARNING_SHARE = 0.01


def _whom(flag: Flag) -> str:
    """Whom a flag is about, and where it is worst."""
    who = "everyone" if flag.segment == "all" else f"{flag.segment}={flag.segment_value}"
    p = flag.concentrated_p_value
    if flag.concentrated_segment is not None and p is not None and p < 0.05:
        who += f", worst {flag.concentrated_segment}={flag.concentrated_value}"
    return who


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


@task(name="ledger-start", **_WRITER)
def ledger_start_task(config: Config, record: RunRecord) -> int:
    with _open(config) as con:
        return start_run(con, record)


@task(name="ledger-finish", **_WRITER)
def ledger_finish_task(config: Config, record: RunRecord, failed: bool) -> str:
    with _open(config) as con:
        return finish_run(con, record, failed=failed)


def _run_id() -> str:
    """The Prefect flow run's id, or a new one when the flow runs without an API."""
    from prefect.runtime import flow_run

    return str(flow_run.id or uuid.uuid4())


@flow(name="journeymine-nightly")
def nightly(config_path: str = "journeymine.yaml", full: bool = False) -> NightlyResult:
    """Run the nightly pipeline once with the configuration at ``config_path``.

    A night is incremental: only new files are read, only the identity components and the
    customers their events touch are re-stitched and their journeys rebuilt, and only the
    periods those journeys count in are recomputed. ``full`` rebuilds stitching, journeys
    and every period from all events loaded (after a map change this happens by itself).
    """
    logger = get_run_logger()
    config = load_config(config_path)
    # a broken map stops the run before any work, like a broken configuration
    journey_map = load_map(config.map_path) if config.map_path else None
    # a missing secret fails here once, not in every ingest task
    load_key(config.pii.secret_env, allow_development_secret=config.pii.allow_development_secret)
    logger.info("warehouse %s, %d source(s)", config.warehouse_path, len(config.sources))
    record = RunRecord(_run_id(), {"config_path": str(config_path), "full": full})
    dead = ledger_start_task(config, record)
    if dead:
        logger.warning("%d earlier run(s) never finished: marked failed in table runs", dead)
    try:
        return _nightly(config, journey_map, record, full=full)
    except BaseException as exc:
        record.note = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ledger_finish_task(config, record, failed=True)
        raise


def _nightly(
    config: Config, journey_map: JourneyMap | None, record: RunRecord, *, full: bool
) -> NightlyResult:
    logger = get_run_logger()
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        record.seconds_by_stage[stage] = record.seconds_by_stage.get(stage, 0.0) + now - clock
        clock = now

    reports = _ingest(config)
    lap("ingest")  # the sources' loads together; each file's own times are in table loads
    stitched = stitch_task(config, full)
    lap("stitch")
    mined, skipped = None, None
    missing = sources_without_files(reports)
    if journey_map is None:
        skipped = "no journey map configured: journeys were not mined"
    elif missing:
        # Flags over a channel that delivered nothing would be artefacts of its absence
        # (100% drop-off at every touchpoint only it feeds), so nothing is mined tonight and
        # the last complete run's tables stay.
        skipped = (
            "journeys not mined: source(s) "
            + ", ".join(f"{r.source} ({r.pattern!r})" for r in missing)
            + " found no file; the mining tables and flags of the last complete run are kept"
        )
    else:
        analysis = mine_task(config, journey_map, full)
        lap("mine, history, changes and flags")
        built = report_task(config)
        lap("report")
        flags_csv = config.outputs_path / "flags.csv"
        mined = MiningOutcome(analysis.report, analysis.flags, flags_csv, analysis, built)
    if skipped is not None:
        logger.warning(skipped)
    _account(record, tuple(reports), mined, skipped)
    ledger_finish_task(config, record, failed=False)  # before publishing: analysts see it
    result = NightlyResult(tuple(reports), stitched, mined, publish_task(config), skipped)
    create_markdown_artifact(
        key="journeymine-run-summary",
        markdown=f"# journeymine nightly run\n\n```\n{result.summary()}\n```\n",
        description="What the nightly run loaded, stitched, mined and flagged",
    )
    if mined is not None and mined.report_folder is not None:
        _publish_report_artifacts(mined.report_folder)
    logger.info(result.headline())
    return result


def _account(
    record: RunRecord,
    reports: tuple[SourceReport, ...],
    mined: MiningOutcome | None,
    skipped: str | None,
) -> None:
    """What the run did, for the ledger."""
    record.files_loaded = sum(r.count("loaded") for r in reports)
    record.files_skipped = sum(r.count("skipped") for r in reports)
    record.files_failed = sum(r.count("failed") for r in reports)
    record.sources_without_files = [r.source for r in sources_without_files(reports)]
    record.rows_by_source = {
        r.source: {
            "read": r.total("rows_read"),
            "loaded": r.total("rows_loaded"),
            "rejected": r.total("rows_rejected"),
            "duplicate": r.total("rows_duplicate"),
        }
        for r in reports
    }
    if mined is not None:
        history = mined.analysis.history.changed
        record.periods_recomputed = {grain: len(days) for grain, days in history.items()}
        record.flags = len(mined.flags)
    record.note = skipped


# How many findings the Prefect table artifact lists.
ARTIFACT_FINDINGS = 10


def _publish_report_artifacts(built: BuiltReport) -> None:
    """The night's findings in the Prefect UI: a table of the top findings and a link to the
    report file."""
    top = built.top_findings[:ARTIFACT_FINDINGS]
    create_table_artifact(
        key="journeymine-top-findings",
        table=[
            {
                "rank": f["rank"],
                "finding": f["sentence"],
                "kind": f["kind"],
                "where": f["subject"],
                "segment": "everyone"
                if f["segment"] == "all"
                else f"{f['segment']}={f['segment_value']}",
                "lost goal completions": round(f["lost_goal_completions"] or 0.0, 1),
                "first seen": f["first_seen"],
            }
            for f in top
        ],
        description=f"Top {len(top)} of {len(built.top_findings)} findings, ranked by lost "
        "goal completions",
    )
    create_link_artifact(
        key="journeymine-report",
        link=built.html.resolve().as_uri(),
        link_text=f"drop-off report {built.summary['run_date']}",
        description="The drop-off report (one self-contained HTML file) and its CSV, Parquet "
        "and summary.json beside it",
    )


def run(config_path: Path | str, *, full: bool = False) -> NightlyResult:
    """Run the flow once (Prefect's ephemeral local API when no server is configured)."""
    return nightly(str(config_path), full)


# The schedule a deployment gets unless told otherwise: every night at 02:00.
DEFAULT_CRON = "0 2 * * *"


def serve(
    config_path: Path | str,
    *,
    cron: str = DEFAULT_CRON,
    timezone: str = "UTC",
    name: str = "nightly",
    port: int | None = None,
) -> None:
    """Serve the nightly flow on its schedule from this process until it is stopped.

    For teams without a Prefect worker: the process polls Prefect's API for the scheduled
    runs of its deployment and runs them. The API is the server's that PREFECT_API_URL names;
    without one, a local Prefect server with its scheduler runs beside this process for as
    long as it serves (the temporary API a single run starts has no scheduler: it would never
    create the scheduled runs), on ``port`` or a free one, its UI at that address. On SIGTERM
    or Ctrl-C the deployment is paused, the local server stopped and the process ends.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        _serve(config_path, cron=cron, timezone=timezone, name=name)
        return
    with local_prefect_server(port) as api_url:
        os.environ["PREFECT_API_URL"] = api_url  # for the flow runs it starts, too
        try:
            with temporary_settings({PREFECT_API_URL: api_url}):
                _serve(config_path, cron=cron, timezone=timezone, name=name)
        finally:
            os.environ.pop("PREFECT_API_URL", None)


def _serve(config_path: Path | str, *, cron: str, timezone: str, name: str) -> None:
    from prefect.schedules import Cron

    nightly.serve(
        name=name,
        schedules=[Cron(cron, timezone=timezone)],
        parameters={"config_path": str(Path(config_path).resolve())},
        pause_on_shutdown=True,
    )


@contextlib.contextmanager
def local_prefect_server(port: int | None = None, timeout: float = 120.0) -> Iterator[str]:
    """A Prefect server with its services (the scheduler among them) on 127.0.0.1, for the
    duration: yields its API URL. Its output goes to ``journeymine-server.log`` in
    PREFECT_HOME; a server that does not answer within ``timeout`` seconds is an error
    quoting that log's end."""
    from prefect.settings import PREFECT_HOME

    port = port or _free_port()
    home = Path(PREFECT_HOME.value()).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "journeymine-server.log"
    api_url = f"http://127.0.0.1:{port}/api"
    with log_path.open("ab") as server_log:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start",
             "--host", "127.0.0.1", "--port", str(port), "--scheduler", "--analytics-off"],
            stdout=server_log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        _wait_until_healthy(process, api_url, log_path, timeout)
        print(
            f"Prefect server with its scheduler on http://127.0.0.1:{port} (its UI shows "
            f"the runs; log: {log_path})",
            flush=True,
        )
        yield api_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_healthy(
    process: subprocess.Popen[bytes], api_url: str, log_path: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-5:]
    state = "exited" if process.poll() is not None else f"did not answer within {timeout:.0f} s"
    raise RuntimeError(
        f"the local Prefect server on {api_url} {state}; its log ({log_path}) ends: "
        + " | ".join(tail)
    )
