"""Process mining of journeys against the designed map.

Heavy aggregates are DuckDB SQL (``sql/journeys``, ``sql/mine``); pm4py (behind
``pm4py_adapter``) and networkx work on variants and the aggregated graph, never on raw events.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from journeymine import sql
from journeymine.config import Config
from journeymine.mapping import JourneyMap
from journeymine.mine import conformance, pm4py_adapter, scope
from journeymine.mine.discovery import DiscoveredModel, discover_and_export, variant_log
from journeymine.mine.maptables import write_map_tables

log = logging.getLogger("journeymine.mine")


@dataclass(frozen=True)
class Conformance:
    journeys: int
    variants: int
    transition_fitness: float | None
    design_coverage: float | None
    conforming_journey_rate: float | None
    token_replay_fitness: float | None
    goal_steps: int = 0
    goals_before_predecessor: int = 0

    @property
    def goals_before_predecessor_share(self) -> float | None:
        return self.goals_before_predecessor / self.goal_steps if self.goal_steps else None


@dataclass(frozen=True)
class MiningReport:
    steps: int
    conformance: Conformance
    model: DiscoveredModel | None
    seconds: dict[str, float]
    built: scope.Scope  # every journey, or those of the customers whose events changed


def _timed(seconds: dict[str, float], name: str, start: float) -> float:
    now = time.perf_counter()
    seconds[name] = round(now - start, 3)
    log.info("mining: %s in %.2f s", name, now - start)
    return now


def mine(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    journey_map: JourneyMap,
    *,
    export_dir: Path | None = None,
    incremental: bool = False,
) -> MiningReport:
    """Build journeys and every mining table from ``events``; returns the headline numbers.

    Tables written: map_*, journey_steps, transitions, variants, touchpoint_stats,
    stage_funnel, deviations, conformance, the view journeys (int_journeys with its variant's
    fitness), and in schema ``jm_internal`` the intermediate models int_* that the flag rules
    read too. With ``incremental``, only the journeys of the customers whose events changed
    since the last build are rebuilt (``scope``), unless the map, the settings or the models
    changed; the aggregates always cover every journey. With ``export_dir``, the discovered
    process model is written there as BPMN and PNML.

    pm4py's import (about a second), the token replay of new variants and the discovery are
    Python work, run in a thread beside the SQL: DuckDB releases the GIL while it works, and a
    night's statements are small enough to leave the second core idle. Once the variants are
    known, the replay and then the discovery run while every model that reads neither is
    built (the per-journey metrics and the metrics); ``seconds["token replay"]`` is what
    mine() then still spends on the replay and the models that read it (``variants``,
    ``conformance``), ``seconds["discovery"]`` what it still waits for the
    discovery. Leaving mine() waits for the thread, also when a statement fails.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="journeymine-pm4py") as beside:
        beside.submit(pm4py_adapter.load)
        return _mine(con, config, journey_map, beside, export_dir, incremental)


def _mine(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    journey_map: JourneyMap,
    beside: ThreadPoolExecutor,
    export_dir: Path | None,
    incremental: bool,
) -> MiningReport:
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    write_map_tables(con, journey_map)
    built = scope.decide(con, config, incremental=incremental)
    log.info(built.describe())
    params = {
        "gap_seconds": config.journeys.inactivity_gap_hours * 3600,
        "end_at_goal": config.journeys.end_at_goal,
        "collapse_repeats": config.journeys.collapse_repeats,
        "segment_attributes": list(config.journeys.segment_attributes),
        # the event attributes that segments and persona rules read (int_journey_attributes)
        "attribute_names": sorted(
            set(config.journeys.segment_attributes)
            | {p.attribute for p in journey_map.personas if p.attribute is not None}
        ),
        "rare_share": config.mining.rare_share,
        "max_cycle_length": config.mining.max_cycle_length,
    }
    if not built.full:
        scope.remove_scoped_journeys(con, params)
    per_journey = dict((model, table) for table, model in scope.PER_JOURNEY)

    def build(model: str) -> None:
        scope.build(con, per_journey[model], model, params, built.full)

    build("journeys/journey_steps")
    if not built.full:
        scope.scope_new_journeys(con)
    (steps,) = con.execute("select count(*) from journey_steps").fetchall()[0]
    t = _timed(seconds, "journeys", t)
    build("mine/int_moves")
    build("journeys/int_journey_attributes")
    build("journeys/int_journeys")
    scope.summarise(con, built.full, scope.GRAPH_SUMMARIES)
    sql.create_table_as(con, "transitions", "mine/transitions")
    sql.create_table_as(con, "jm_internal.int_variants", "mine/int_variants")
    t = _timed(seconds, "graph and variants", t)
    # pm4py replays the new variants, then discovers the model from every variant, beside all
    # the SQL that reads neither (one thread: the discovery waits for the replay)
    plan = conformance.plan_replay(con, journey_map)
    replaying = beside.submit(conformance.replay_planned, plan)
    discovering = None
    if export_dir is not None:
        discovering = beside.submit(
            discover_and_export, variant_log(con), export_dir, config.mining.noise_threshold
        )
    build("mine/int_journey_segments")
    build("mine/int_node_visits")
    build("mine/int_journey_profiles")
    build("mine/int_journey_cycles")
    t = _timed(seconds, "per-journey metrics", t)
    if not built.full:
        scope.note_new_weeks(con)
    scope.summarise(con, built.full, scope.PROFILE_SUMMARIES)
    # the segments of every profile: the aggregates below count per profile first
    scope.update_profile_segments(con, built.full)
    sql.create_table_as(con, "touchpoint_stats", "mine/touchpoint_stats")
    sql.create_table_as(con, "stage_funnel", "mine/stage_funnel")
    sql.create_table_as(con, "deviations", "mine/deviations", params)
    t = _timed(seconds, "metrics", t)
    conformance.store_replay(con, plan, replaying.result())
    sql.create_table_as(con, "variants", "mine/variants")
    sql.create_table_as(con, "conformance", "mine/conformance")
    scope.finish(con, config)
    t = _timed(seconds, "token replay", t)
    model = None
    if discovering is not None:
        model = discovering.result()
        t = _timed(seconds, "discovery", t)
    row = con.execute(
        "select journeys, variants, transition_fitness, design_coverage, "
        "conforming_journey_rate, token_replay_fitness, goal_steps, goals_before_predecessor "
        "from conformance"
    ).fetchall()[0]
    return MiningReport(int(steps), Conformance(*row), model, seconds, built)
