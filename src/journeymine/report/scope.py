"""What a report covers: a range of entry dates and a segment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import duckdb

from journeymine import sql

# Bounds standing for "no limit" on journeys' start times.
_EARLIEST = datetime(1900, 1, 1)
_LATEST = datetime(2200, 1, 1)


@dataclass(frozen=True)
class ReportScope:
    """Journeys that entered from ``date_from`` to ``date_to`` (both inclusive, either open),
    in segment ``segment = segment_value`` (``all = all`` for everyone)."""

    date_from: date | None = None
    date_to: date | None = None
    segment: str = "all"
    segment_value: str = "all"

    @property
    def ranged(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    @property
    def segmented(self) -> bool:
        return self.segment != "all"

    def params(self) -> dict[str, Any]:
        """The bound parameters every report model reads."""
        start = _EARLIEST if self.date_from is None else datetime.combine(self.date_from, time())
        end = (
            _LATEST
            if self.date_to is None
            else datetime.combine(self.date_to + timedelta(days=1), time())
        )
        return {
            "start": start,
            "end": end,
            "ranged": self.ranged,
            "segment": self.segment,
            "segment_value": self.segment_value,
        }

    def describe(self) -> str:
        """In words, for the report's header."""
        who = "all journeys" if not self.segmented else f"journeys of {segment_words(self)}"
        if not self.ranged:
            return f"{who}, the whole period"
        start = "the start" if self.date_from is None else self.date_from.isoformat()
        end = "the end" if self.date_to is None else self.date_to.isoformat()
        return f"{who} that entered from {start} to {end}"

    def slug(self) -> str:
        """A folder-name suffix for a scoped report ('' for the whole period, everyone)."""
        parts = []
        if self.ranged:
            parts.append(
                f"{self.date_from.isoformat() if self.date_from else 'start'}"
                f"_{self.date_to.isoformat() if self.date_to else 'end'}"
            )
        if self.segmented:
            key = self.segment.removeprefix("attribute:")
            parts.append(re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{key}-{self.segment_value}"))
        return "_".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": None if self.date_from is None else self.date_from.isoformat(),
            "to": None if self.date_to is None else self.date_to.isoformat(),
            "segment": self.segment,
            "segment_value": self.segment_value,
        }


def segment_words(scope_or_pair: ReportScope | tuple[str, str]) -> str:
    """``entry_channel=social`` as people say it: 'customers who entered from social'."""
    if isinstance(scope_or_pair, ReportScope):
        key, value = scope_or_pair.segment, scope_or_pair.segment_value
    else:
        key, value = scope_or_pair
    if key == "entry_channel":
        return f"customers who entered from {value}"
    if key == "persona":
        return f"persona {value}"
    if key == "channel":
        return f"journeys that used {value}"
    return f"{key.removeprefix('attribute:')} = {value}"


def materialise(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> None:
    """The scope's journeys (``sql/report/scope.sql``, for ``ReportScope.params()``) as temp
    table ``jm_report_scope``, and its kept counts summed over its days and segment
    (``sql/report/scope_counts.sql``) as ``jm_report_counts``, which the report models about
    the scope read: filtered once per report, not once per model. Temp tables, so a read-only
    connection is enough."""
    sql.create_table_as(con, "jm_report_scope", "report/scope", params, temp=True)
    sql.create_table_as(con, "jm_report_counts", "report/scope_counts", params, temp=True)
