"""Journeys: stitched touchpoint events, split by inactivity, as ``journey_steps``."""

from __future__ import annotations

import duckdb

from journeymine import sql
from journeymine.config import Journeys
from journeymine.mine import scope


def build_journey_steps(con: duckdb.DuckDBPyConnection, settings: Journeys) -> int:
    """Replace ``journey_steps`` from every customer's events; returns the number of steps.

    Needs ``map_touchpoints`` (for the goals that may end a journey). ``mine`` builds the
    steps itself, incrementally on nights that can be.
    """
    scope.create_scope_tables(con)
    sql.create_table_as(
        con,
        "journey_steps",
        "journeys/journey_steps",
        {
            "gap_seconds": settings.inactivity_gap_hours * 3600,
            "end_at_goal": settings.end_at_goal,
            "collapse_repeats": settings.collapse_repeats,
            "scoped": False,
        },
    )
    return int(con.execute("select count(*) from journey_steps").fetchall()[0][0])
