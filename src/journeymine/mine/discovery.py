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


def variant_log(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """The variants (their sequences with journey counts, not events) discovery works on:
    known before their replay is (``int_variants``), so the discovery need not wait for it.
    The sequences as stored (``a > b > c``): discover_and_export splits them, in its thread."""
    rows: list[tuple[str, int]] = con.execute(
        "select sequence, journeys from jm_internal.int_variants order by variant_id"
    ).fetchall()
    return rows


def discover_and_export(
    variants: list[tuple[str, int]], out_dir: Path, noise_threshold: float
) -> DiscoveredModel:
    """Discover a Petri net from ``variants`` (``variant_log``) and write it. Python and
    pm4py only, no database: mine() runs it in a thread while DuckDB computes the metrics."""
    model = pm4py_adapter.discover(
        ((sequence.split(" > "), journeys) for sequence, journeys in variants), noise_threshold
    )
    bpmn, pnml = pm4py_adapter.export(model, out_dir, "discovered_journeys")
    return DiscoveredModel(bpmn, pnml, model.transitions, model.places)
