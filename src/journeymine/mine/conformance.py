"""Conformance against the designed map: token-based replay per variant (pm4py), weighted by
journeys so it scales with variants, not events, and only for variants that deviate."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from journeymine.mapping import JourneyMap
from journeymine.mine import pm4py_adapter
from journeymine.tables import replace_table


def perfect_replay(steps: int) -> pm4py_adapter.Replay:
    """The replay of a conforming trace on ``designed_net``: one token from the source into
    the entry, one per designed move, one out through the final silent transition, one
    consumed from the sink. pm4py gives exactly this (a test holds it to it)."""
    return pm4py_adapter.Replay(
        missing=0, consumed=steps + 2, remaining=0, produced=steps + 2, fitness=1.0
    )


@dataclass(frozen=True)
class ReplayPlan:
    """The variants a run replays: those not replayed on this map before (``plan_replay``)."""

    journey_map: JourneyMap
    fingerprint: str
    # (variant_id, replay_sequence, conforms, replay_steps)
    variants: list[tuple[str, str, bool, int]]


def plan_replay(con: duckdb.DuckDBPyConnection, journey_map: JourneyMap) -> ReplayPlan:
    """Forget the replays of another map or of variants gone; list the variants to replay.

    The variants of ``jm_internal.int_variants`` are replayed on the designed map in three
    steps: this one, ``replay_planned`` (pm4py, no database: mine() runs it in a thread
    beside the SQL) and ``store_replay``, which makes temp table ``jm_variant_replay``. Each
    variant is replayed up to its first goal (browsing on after a goal is not a deviation).
    Conforming variants replay perfectly by construction, so only the others go through pm4py.

    A variant's replay depends only on its sequence and the map, so it is kept across runs in
    ``jm_internal.variant_replay`` under a fingerprint of the map: a night replays only the
    variants it has not replayed on this map before (a test holds a variant replayed alone to
    its replay among all the others).
    """
    fingerprint = _map_fingerprint(journey_map)
    con.execute(
        "delete from jm_internal.variant_replay where map_fingerprint <> ? "
        "or variant_id not in (select variant_id from jm_internal.int_variants)",
        [fingerprint],
    )
    rows = con.execute(
        "select v.variant_id, v.replay_sequence, v.conforms, v.replay_steps "
        "from jm_internal.int_variants as v "
        "where v.variant_id not in (select variant_id from jm_internal.variant_replay) "
        "order by v.variant_id"
    ).fetchall()
    return ReplayPlan(journey_map, fingerprint, rows)


def replay_planned(plan: ReplayPlan) -> dict[str, pm4py_adapter.Replay]:
    """The replay of each planned variant (pm4py for the deviating ones); no database."""
    deviating = [(v, seq.split(" > ")) for v, seq, conforms, _ in plan.variants if not conforms]
    results = {v: perfect_replay(steps) for v, _, conforms, steps in plan.variants if conforms}
    if deviating:
        journey_map = plan.journey_map
        seen = {tp for _, seq in deviating for tp in seq}
        model = pm4py_adapter.designed_net(
            journey_map.transitions, journey_map.entries, set(journey_map.touchpoints) | seen
        )
        replays = pm4py_adapter.replay(model, [seq for _, seq in deviating])
        results |= {v: r for (v, _), r in zip(deviating, replays, strict=True)}
    return results


def store_replay(
    con: duckdb.DuckDBPyConnection, plan: ReplayPlan, results: dict[str, pm4py_adapter.Replay]
) -> None:
    """Keep the new replays and make ``jm_variant_replay``."""
    ids = [v for v, *_ in plan.variants]
    replace_table(
        con,
        "jm_new_replay",
        pa.table(
            {
                "variant_id": pa.array(ids, pa.string()),
                "map_fingerprint": pa.array([plan.fingerprint] * len(ids), pa.string()),
                "fitness": pa.array([results[v].fitness for v in ids], pa.float64()),
                "missing_tokens": pa.array([results[v].missing for v in ids], pa.int64()),
                "consumed_tokens": pa.array([results[v].consumed for v in ids], pa.int64()),
                "remaining_tokens": pa.array([results[v].remaining for v in ids], pa.int64()),
                "produced_tokens": pa.array([results[v].produced for v in ids], pa.int64()),
            }
        ),
        temp=True,
    )
    con.execute("insert into jm_internal.variant_replay select * from jm_new_replay")
    con.execute("drop table jm_new_replay")
    con.execute(
        "create or replace temp table jm_variant_replay as "
        "select variant_id, fitness, missing_tokens, consumed_tokens, remaining_tokens, "
        "produced_tokens from jm_internal.variant_replay"
    )


def _map_fingerprint(journey_map: JourneyMap) -> str:
    """What a replay depends on besides the variant: the designed net's moves, entries and
    touchpoints, the goals that end its replay sequence, and the pm4py that replays."""
    from importlib.metadata import version

    parts = (
        sorted(journey_map.transitions),
        sorted(journey_map.entries),
        sorted(journey_map.touchpoints),
        # the goals cut each variant's replay sequence (replay stops at the first goal)
        sorted(journey_map.goals),
        version("pm4py"),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()
