"""Process discovery: the inductive miner on the journey variants, exported as BPMN and PNML."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from journeymine.mine import pm4py_adapter


@dataclass(frozen=True)
class DiscoveredModel:
    bpmn: Path
    pnml: Path
    transitions: int
    places: int


def discover_and_export(
    con: duckdb.DuckDBPyConnection, out_dir: Path, noise_threshold: float
) -> DiscoveredModel:
    """Discover a Petri net from ``variants`` (sequences with counts, not events), write it."""
    rows = con.execute("select sequence, journeys from variants").fetchall()
    model = pm4py_adapter.discover(
        ((sequence.split(" > "), journeys) for sequence, journeys in rows), noise_threshold
    )
    bpmn, pnml = pm4py_adapter.export(model, out_dir, "discovered_journeys")
    return DiscoveredModel(bpmn, pnml, model.transitions, model.places)
