"""The designed map as warehouse tables, so SQL models (and analysts) can join against it."""

from __future__ import annotations

import duckdb
import networkx as nx
import pyarrow as pa

from journeymine.mapping import BUILTIN_TARGETS, JourneyMap
from journeymine.tables import replace_table


def goal_reachable(journey_map: JourneyMap) -> dict[str, bool]:
    """For each touchpoint: does the designed map lead from it to some goal?"""
    graph = journey_map.graph()
    can_reach: set[str] = set()
    for goal in journey_map.goals:
        can_reach |= nx.ancestors(graph, goal) | {goal}
    return {tp: tp in can_reach for tp in journey_map.touchpoints}


def write_map_tables(con: duckdb.DuckDBPyConnection, journey_map: JourneyMap) -> None:
    """Replace map_stages, map_touchpoints, map_transitions, map_targets and map_personas."""
    reach = goal_reachable(journey_map)
    tps = list(journey_map.touchpoints.values())
    replace_table(
        con,
        "map_stages",
        pa.table(
            {
                "stage": [s.id for s in journey_map.stages],
                "label": [s.label for s in journey_map.stages],
                "stage_order": pa.array([s.order for s in journey_map.stages], pa.int32()),
                "emotion": pa.array([s.emotion for s in journey_map.stages], pa.string()),
            }
        ),
    )
    replace_table(
        con,
        "map_touchpoints",
        pa.table(
            {
                "touchpoint": [t.id for t in tps],
                # the touchpoint's position in the map: names a cycle from its earliest point
                "touchpoint_order": pa.array(range(1, len(tps) + 1), pa.int32()),
                "label": [t.label for t in tps],
                "stage": [t.stage for t in tps],
                "stage_order": pa.array([t.stage_order for t in tps], pa.int32()),
                "channel": [t.channel for t in tps],
                "is_entry": [t.is_entry for t in tps],
                "is_goal": [t.is_goal for t in tps],
                "goal_reachable": [reach[t.id] for t in tps],
            }
        ),
    )
    pairs = sorted(journey_map.transitions)
    replace_table(
        con,
        "map_transitions",
        pa.table(
            {
                "from_touchpoint": pa.array([a for a, _ in pairs], pa.string()),
                "to_touchpoint": pa.array([b for _, b in pairs], pa.string()),
            }
        ),
    )
    targets = {"touchpoint": [t.id for t in tps]} | {
        name: pa.array([journey_map.targets[t.id][name] for t in tps], pa.float64())
        for name in BUILTIN_TARGETS
    }
    replace_table(con, "map_targets", pa.table(targets))
    personas = journey_map.personas
    replace_table(
        con,
        "map_personas",
        pa.table(
            {
                "rule_no": pa.array(range(1, len(personas) + 1), pa.int32()),
                "persona": pa.array([p.id for p in personas], pa.string()),
                "entry_channel": pa.array([p.entry_channel for p in personas], pa.string()),
                "entry_touchpoint": pa.array([p.entry_touchpoint for p in personas], pa.string()),
                "visits": pa.array([p.visits for p in personas], pa.string()),
                "returning": pa.array([p.returning for p in personas], pa.bool_()),
                "attribute": pa.array([p.attribute for p in personas], pa.string()),
                "equals": pa.array([p.equals for p in personas], pa.string()),
            }
        ),
    )
