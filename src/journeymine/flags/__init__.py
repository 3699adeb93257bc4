"""Flags: where customers drop off, hit dead ends, loop or leave the designed path.

Rules are a registry: an ordered tuple of kinds, each one SQL file in ``sql/flags/`` that
returns candidate findings in one shape (overall and per segment). The statistics, the
false-discovery control, the segment where a finding concentrates and the merging of
findings that are one problem are shared by every kind (``flags.engine``). Adding a kind
means adding one file, one entry here and its sentence in ``flags.evidence``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa

from journeymine import sql
from journeymine.config import Mining
from journeymine.flags import engine, evidence
from journeymine.periods.changes import Change
from journeymine.tables import replace_table

RULES: tuple[str, ...] = (
    "drop_off",
    "dead_end",
    "loop",
    "undesigned_transition",
    "unvisited_touchpoint",
    "unknown_touchpoint",
)


@dataclass(frozen=True)
class Flag:
    """One finding with its evidence; its impact is the estimated lost goal completions.

    ``touchpoint`` is where the problem is located, for every kind: the touchpoint itself,
    a cycle's first touchpoint (earliest in the map), an undesigned move's source.
    ``segment``/``segment_value`` say whom the flag is about (``all``/``all``: everyone);
    ``concentrated_*`` name the segment where its rate is worst, with a test against the rest.
    """

    rank: int
    rank_in_kind: int
    kind: str
    subject: str
    touchpoint: str | None
    from_touchpoint: str | None
    to_touchpoint: str | None
    cycle: str | None
    segment: str
    segment_value: str
    metric: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    threshold: float | None
    baseline: float | None
    p_value: float | None
    q_value: float | None
    journeys: int
    journeys_affected: int
    lost_goal_completions: float
    concentrated_segment: str | None
    concentrated_value: str | None
    concentrated_rate: float | None
    concentrated_rest_rate: float | None
    concentrated_p_value: float | None
    related: str | None
    evidence: str
    first_date: date | None = None  # regressions and improvements: since when
    last_date: date | None = None  # and until when (the last day with data: still going on)


_TYPES = {
    "rank": pa.int64(),
    "rank_in_kind": pa.int64(),
    "journeys": pa.int64(),
    "journeys_affected": pa.int64(),
    "first_date": pa.date32(),
    "last_date": pa.date32(),
    **{
        name: pa.float64()
        for name in (
            "value", "ci_low", "ci_high", "threshold", "baseline", "p_value", "q_value",
            "lost_goal_completions", "concentrated_rate", "concentrated_rest_rate",
            "concentrated_p_value",
        )
    },
}  # fmt: skip


def candidates(con: duckdb.DuckDBPyConnection, settings: Mining) -> list[engine.Candidate]:
    """Every rule's candidate findings, overall and per segment."""
    params = {
        "min_journeys": settings.min_journeys,
        "min_journeys_unvisited": settings.min_journeys_unvisited,
        "max_cycle_length": settings.max_cycle_length,
    }
    columns = ", ".join(engine.CANDIDATE_COLUMNS)
    out = []
    for rule in RULES:
        cursor = sql.execute(con, f"select {columns} from ({sql.load(f'flags/{rule}')})", params)
        names = [d[0] for d in cursor.description]
        out += [
            engine.candidate_from_row(dict(zip(names, row, strict=True)))
            for row in cursor.fetchall()
        ]
    return out


def _flag(rank: int, rank_in_kind: int, f: engine.Finding) -> Flag:
    c = f.candidate
    low, high = (None, None) if c.test == engine.STRUCTURAL or not c.n else evidence.interval(c)
    conc = f.concentration
    return Flag(
        rank=rank,
        rank_in_kind=rank_in_kind,
        kind=c.kind,
        subject=c.subject,
        touchpoint=c.touchpoint,
        from_touchpoint=c.from_touchpoint,
        to_touchpoint=c.to_touchpoint,
        cycle=c.cycle,
        segment=c.segment,
        segment_value=c.segment_value,
        metric=evidence.metric(c),
        value=evidence.value(c),
        ci_low=low,
        ci_high=high,
        threshold=c.threshold,
        baseline=evidence.baseline(c),
        p_value=f.p_value,
        q_value=f.q_value,
        journeys=c.population,
        journeys_affected=c.journeys_affected,
        lost_goal_completions=float(c.lost_goal_completions),
        concentrated_segment=conc.segment if conc else None,
        concentrated_value=conc.segment_value if conc else None,
        concentrated_rate=conc.comparison.rate_a if conc else None,
        concentrated_rest_rate=conc.comparison.rate_b if conc else None,
        concentrated_p_value=conc.comparison.p_value if conc else None,
        related="; ".join(f.related) or None,
        evidence=evidence.sentence(f),
    )


def _from_change(c: Change) -> Flag:
    cmp = c.comparison
    conc = c.concentrated_comparison
    subject = c.node if c.level == "touchpoint" else f"stage {c.node}"
    return Flag(
        rank=0,
        rank_in_kind=0,
        kind=c.kind,
        subject=subject,
        touchpoint=c.node if c.level == "touchpoint" else None,
        from_touchpoint=None,
        to_touchpoint=None,
        cycle=None,
        segment=c.segment,
        segment_value=c.segment_value,
        metric=c.metric,
        value=cmp.rate_a,
        ci_low=cmp.ci_low,
        ci_high=cmp.ci_high,
        threshold=None,
        baseline=cmp.rate_b,
        p_value=c.p_value,
        q_value=c.q_value,
        journeys=cmp.n_a,
        journeys_affected=cmp.n_a,
        lost_goal_completions=c.lost_goal_completions,
        concentrated_segment=c.concentrated_segment,
        concentrated_value=c.concentrated_value,
        concentrated_rate=conc.rate_a if conc else None,
        concentrated_rest_rate=conc.rate_b if conc else None,
        concentrated_p_value=conc.p_value if conc else None,
        related="; ".join(c.related) or None,
        evidence=evidence.change(c),
        first_date=c.first_day,
        last_date=c.last_day,
    )


def rank(found: list[engine.Finding], changes: Sequence[Change] = ()) -> list[Flag]:
    """Flags ranked by lost goal completions, overall and within each kind."""
    unranked = [_flag(0, 0, f) for f in found] + [_from_change(c) for c in changes]
    order = sorted(
        unranked,
        key=lambda f: (-f.lost_goal_completions, -f.journeys_affected, f.kind, f.subject),
    )
    in_kind: dict[str, int] = {}
    flags = []
    for i, f in enumerate(order, 1):
        in_kind[f.kind] = in_kind.get(f.kind, 0) + 1
        flags.append(replace(f, rank=i, rank_in_kind=in_kind[f.kind]))
    return flags


def raise_flags(
    con: duckdb.DuckDBPyConnection, settings: Mining, changes: Sequence[Change] = ()
) -> list[Flag]:
    """Run every rule, test and rank, with the regressions and improvements found over time;
    replace tables ``flags``, ``flag_trends`` and ``map_suggestions``."""
    rows = candidates(con, settings)
    flags = rank(engine.findings(rows, settings), changes)
    write_flags(con, flags)
    write_suggestions(con, engine.suggestions(rows, settings))
    return flags


def write_flags(con: duckdb.DuckDBPyConnection, flags: list[Flag]) -> None:
    names = list(Flag.__dataclass_fields__)
    fields = [pa.field(n, _TYPES.get(n, pa.string())) for n in names]
    table = pa.table(
        {
            n: pa.array([getattr(f, n) for f in flags], type=fld.type)
            for n, fld in zip(names, fields, strict=True)
        },
        schema=pa.schema(fields),
    )
    replace_table(con, "jm_new_flags", table, temp=True)
    con.execute(
        "create or replace table flags as select *, cast(? as timestamp) as flagged_at "
        "from jm_new_flags order by rank",
        [datetime.now(UTC).replace(tzinfo=None)],
    )
    con.execute("drop table jm_new_flags")


def read_flags(con: duckdb.DuckDBPyConnection) -> list[Flag]:
    """The flags the last run wrote (``write_flags``), in rank order."""
    names = list(Flag.__dataclass_fields__)
    rows = con.execute(f"select {', '.join(names)} from flags order by rank").fetchall()
    return [Flag(*row) for row in rows]


def write_suggestions(con: duckdb.DuckDBPyConnection, found: list[engine.Suggestion]) -> None:
    table = pa.table(
        {
            "from_touchpoint": pa.array([s.from_touchpoint for s in found], pa.string()),
            "to_touchpoint": pa.array([s.to_touchpoint for s in found], pa.string()),
            "journeys": pa.array([s.journeys for s in found], pa.int64()),
            "source_share": pa.array([s.source_share for s in found], pa.float64()),
            "goal_rate": pa.array([s.goal_rate for s in found], pa.float64()),
            "others_goal_rate": pa.array([s.others_goal_rate for s in found], pa.float64()),
            "difference_low": pa.array([s.comparison.ci_low for s in found], pa.float64()),
            "difference_high": pa.array([s.comparison.ci_high for s in found], pa.float64()),
            "p_value": pa.array([s.comparison.p_value for s in found], pa.float64()),
            "evidence": pa.array([evidence.suggestion(s) for s in found], pa.string()),
        }
    )
    replace_table(con, "map_suggestions", table)
