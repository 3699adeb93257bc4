"""Did the fix work? Two groups of journeys compared, touchpoint by touchpoint.

A group is the journeys that *entered* within a date range (they are followed to their end,
as DOMAIN.md's conversion-window rule asks) and, optionally, belong to one segment: before
and after a change for the same segment, or two segments (an A/B test's arms) over the same
dates. For every touchpoint, stage and the goal over whole journeys, the goal rate (and,
where the map designs a way on, the drop-off rate) of both groups, the difference with its
95% interval, the p-value (Fisher's exact test for small counts), the false discovery rate
controlled across the rows, and a verdict: better, worse, no detectable change (with the
smallest change the data could have shown), or too few journeys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Literal

import duckdb

from journeymine import sql, stats
from journeymine.errors import JourneymineError
from journeymine.warehouse import has_table

Verdict = Literal["better", "worse", "no detectable change", "too few journeys"]


@dataclass(frozen=True)
class Group:
    """Journeys that entered in [start, end] (inclusive dates) and belong to a segment."""

    start: date
    end: date
    segment: str = "all"
    segment_value: str = "all"

    def describe(self) -> str:
        who = "" if self.segment == "all" else f" with {self.segment}={self.segment_value}"
        return f"journeys entering {self.start}..{self.end}{who}"


@dataclass(frozen=True)
class ComparisonRow:
    level: str  # 'touchpoint', 'stage' or 'journey' (node 'goal': reached a goal at all)
    node: str
    metric: str  # goal_rate or drop_off_rate
    journeys_a: int
    journeys_b: int
    rate_a: float | None
    rate_b: float | None
    difference: float | None  # rate_b - rate_a
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    q_value: float | None
    verdict: Verdict
    detectable_change: float | None  # smallest difference the data could have shown


def parse_range(text: str) -> tuple[date, date]:
    """``2026-02-01..2026-02-28`` -> the two dates (inclusive)."""
    try:
        start, end = text.split("..")
        first, last = date.fromisoformat(start.strip()), date.fromisoformat(end.strip())
    except ValueError as exc:
        raise JourneymineError(
            f"date range {text!r}: expected FIRST..LAST such as 2026-02-01..2026-02-28"
        ) from exc
    if last < first:
        raise JourneymineError(f"date range {text!r}: the last date comes before the first")
    return first, last


def parse_segment(text: str) -> tuple[str, str]:
    """``entry_channel=social`` or ``variant=test`` (an attribute) -> (segment key, value)."""
    key, sep, value = text.partition("=")
    if not sep or not key or not value:
        raise JourneymineError(
            f"segment {text!r}: expected KEY=VALUE such as entry_channel=social, "
            "persona=researcher or an attribute such as utm_source=google"
        )
    if key not in ("entry_channel", "persona", "all") and not key.startswith("attribute:"):
        key = f"attribute:{key}"
    return key, value


def _counts(
    con: duckdb.DuckDBPyConnection, a: Group, b: Group
) -> dict[tuple[str, str, str], tuple[int, int, int]]:
    if not has_table(con, "jm_internal.int_start_counts"):
        raise JourneymineError(
            "compare: the warehouse has no jm_internal.int_start_counts, the counts a "
            "comparison sums: it was analysed by an older journeymine. Run `journeymine run` "
            "once (it rebuilds every journey and these counts), then compare again."
        )
    rows = sql.fetch(
        con,
        "time/compare_counts",
        {
            "a_first": a.start, "a_last": a.end, "a_segment": a.segment, "a_value": a.segment_value,
            "b_first": b.start, "b_last": b.end, "b_segment": b.segment, "b_value": b.segment_value,
        },
    )  # fmt: skip
    return {(side, level, node): (n, drops, goals) for side, level, node, n, drops, goals in rows}


def compare(
    con: duckdb.DuckDBPyConnection,
    a: Group,
    b: Group,
    *,
    touchpoint: str | None = None,
    min_journeys: int = 30,
    false_discovery_rate: float = 0.05,
) -> list[ComparisonRow]:
    """Group b against group a (b - a), per touchpoint, stage and goal."""
    counts = _counts(con, a, b)
    has_drop = {
        (level, node)
        for (_, level, node), (_, drops, _) in counts.items()
        if drops > 0 or level == "journey"
    }
    keys = sorted({(level, node) for _, level, node in counts})
    if touchpoint is not None:
        keys = [k for k in keys if k[1] == touchpoint or k[0] == "journey"]
    plan = []
    for level, node in keys:
        metrics = ["goal_rate"] + (
            ["drop_off_rate"] if (level, node) in has_drop and level != "journey" else []
        )
        for metric in metrics:
            na, da, ga = counts.get(("a", level, node), (0, 0, 0))
            nb, db, gb = counts.get(("b", level, node), (0, 0, 0))
            ka, kb = (ga, gb) if metric == "goal_rate" else (da, db)
            plan.append((level, node, metric, ka, na, kb, nb))
    tested = [p for p in plan if p[4] >= min_journeys and p[6] >= min_journeys]
    results = {id(p): stats.compare_proportions(p[5], p[6], p[3], p[4]) for p in tested}
    q_values = dict(
        zip(
            [id(p) for p in tested],
            stats.bh_adjusted([results[id(p)].p_value for p in tested]),
            strict=True,
        )
    )
    out = []
    for p in plan:
        level, node, metric, ka, na, kb, nb = p
        rate_a = ka / na if na else None
        rate_b = kb / nb if nb else None
        if id(p) not in results:
            out.append(
                ComparisonRow(
                    level,
                    node,
                    metric,
                    na,
                    nb,
                    rate_a,
                    rate_b,
                    None,
                    None,
                    None,
                    None,
                    None,
                    "too few journeys",
                    None,
                )
            )
            continue
        r, q = results[id(p)], q_values[id(p)]
        higher_is_better = metric == "goal_rate"
        if q <= false_discovery_rate:
            good = (r.difference > 0) == higher_is_better
            verdict: Verdict = "better" if good else "worse"
            detectable = None
        else:
            verdict = "no detectable change"
            base = rate_a if rate_a is not None else 0.0
            detectable = stats.minimum_detectable_difference(nb, na, base)
            detectable = None if math.isinf(detectable) else detectable
        out.append(
            ComparisonRow(
                level,
                node,
                metric,
                na,
                nb,
                rate_a,
                rate_b,
                r.difference,
                r.ci_low,
                r.ci_high,
                r.p_value,
                q,
                verdict,
                detectable,
            )
        )
    return out
