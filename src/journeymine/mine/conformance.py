"""Conformance against the designed map: token-based replay per variant (pm4py), weighted by
journeys so it scales with variants, not events."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from journeymine.mapping import JourneyMap
from journeymine.mine import pm4py_adapter
from journeymine.tables import replace_table


def replay_variants(con: duckdb.DuckDBPyConnection, journey_map: JourneyMap) -> int:
    """Replay every variant of ``int_variants`` on the designed map into temp table
    ``jm_variant_replay``; returns how many variants were replayed."""
    rows = con.execute("select variant_id, sequence from int_variants").fetchall()
    seen = {tp for _, seq in rows for tp in seq.split(" > ")}
    model = pm4py_adapter.designed_net(
        journey_map.transitions, journey_map.entries, set(journey_map.touchpoints) | seen
    )
    results = pm4py_adapter.replay(model, [seq.split(" > ") for _, seq in rows])
    replace_table(
        con,
        "jm_variant_replay",
        pa.table(
            {
                "variant_id": pa.array([v for v, _ in rows], pa.string()),
                "fitness": pa.array([r.fitness for r in results], pa.float64()),
                "missing_tokens": pa.array([r.missing for r in results], pa.int64()),
                "consumed_tokens": pa.array([r.consumed for r in results], pa.int64()),
                "remaining_tokens": pa.array([r.remaining for r in results], pa.int64()),
                "produced_tokens": pa.array([r.produced for r in results], pa.int64()),
            }
        ),
        temp=True,
    )
    return len(rows)
