"""Regressions and improvements: since when, until when, for whom.

Each series (a touchpoint or stage, a segment value, a rate: goal rate, drop-off rate or
exit rate) is read day by day from ``touchpoint_history``. A day is compared with the same
weekday of the ``baseline_weeks`` weeks before it (so a weekly rhythm is never a change). A
day whose rate is worse (or better) with a p-value under ``screening_p_value`` opens a
candidate change; the following days are compared with the baseline frozen at its start, and
the change lasts while they stay worse, a single quiet day excepted. Each candidate is then
tested as a whole (its days pooled against its baseline, exactly for small counts), and the
Benjamini-Hochberg procedure over every day tested (a change could have started on any of
them) keeps the false discovery rate at
``mining.false_discovery_rate``; a change must also move the rate by ``min_rate_change`` and
cost (or save) at least ``min_lost_goal_completions``. The same change seen overall and in a
segment is one finding, named for everyone with the segment where it is strongest.

This is statistics on aggregates (a few thousand series of daily counts), in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import duckdb
import numpy as np
from scipy.stats import norm

from journeymine import stats
from journeymine.config import UNKNOWN_SEGMENT_VALUE, Mining, Periods

Direction = Literal["regression", "improvement"]

# metric -> (counts that make it, whether a higher rate is better)
METRICS: dict[str, tuple[str, str, bool]] = {
    "goal_rate": ("goal_journeys", "journeys", True),
    "drop_off_rate": ("drop_offs", "journeys", False),
    "exit_rate": ("exits", "journeys", False),
}
_QUIET_DAYS = 1  # a change survives this many unremarkable days in a row


@dataclass(frozen=True)
class Series:
    segment: str
    segment_value: str
    level: str
    node: str
    metric: str
    days: dict[date, tuple[int, int]]  # day -> (k, n)
    continued_goal_rate: float | None  # to price a drop-off or exit in goal completions


@dataclass(frozen=True)
class Change:
    """A run of days on which a rate was significantly worse (or better) than its baseline."""

    kind: Direction
    segment: str
    segment_value: str
    level: str
    node: str
    metric: str
    first_day: date
    last_day: date
    ongoing: bool  # it lasts until the last day with data
    comparison: stats.Comparison  # the change's days (a) against their baseline (b)
    lost_goal_completions: float  # negative: goal completions gained
    p_value: float
    q_value: float
    concentrated_segment: str | None = None
    concentrated_value: str | None = None
    concentrated_comparison: stats.Comparison | None = None

    @property
    def overall(self) -> bool:
        return self.segment == "all"


@dataclass(frozen=True)
class _Candidate:
    series: Series
    kind: Direction
    days: tuple[date, ...]
    baseline: tuple[date, ...]
    comparison: stats.Comparison
    last_data_day: date

    @property
    def lost(self) -> float:
        """Goal completions lost during the change (negative: gained)."""
        c = self.comparison
        _, _, higher_is_better = METRICS[self.series.metric]
        if higher_is_better:  # fewer goals than the baseline's rate would have given
            return c.n_a * (c.rate_b - c.rate_a)
        value = self.series.continued_goal_rate or 0.0
        return c.n_a * (c.rate_a - c.rate_b) * value


def load_series(con: duckdb.DuckDBPyConnection) -> list[Series]:
    """Every daily series of touchpoint_history, with the goal rate of those who went on."""
    rows = con.execute(
        "select segment, segment_value, level, node, period_start, journeys, drop_offs, "
        "exits, goal_journeys, continued, continued_goal_journeys "
        "from touchpoint_history where grain = 'day' order by all"
    ).fetchall()
    grouped: dict[tuple[str, str, str, str], list[tuple[object, ...]]] = {}
    for row in rows:
        grouped.setdefault((row[0], row[1], row[2], row[3]), []).append(row[4:])
    out = []
    for (segment, value, level, node), days in grouped.items():
        continued = sum(int(d[5]) for d in days)  # type: ignore[call-overload]
        continued_goal = sum(int(d[6]) for d in days)  # type: ignore[call-overload]
        value_rate = continued_goal / continued if continued else None
        columns = {"journeys": 1, "drop_offs": 2, "exits": 3, "goal_journeys": 4}
        for metric, (k_col, n_col, _) in METRICS.items():
            series_days = {
                d[0]: (int(d[columns[k_col]]), int(d[columns[n_col]]))  # type: ignore[call-overload]
                for d in days
            }
            if metric != "goal_rate" and all(k == 0 for k, _ in series_days.values()):
                continue  # no drop-off or exit at this node: nothing to change
            out.append(
                Series(segment, value, level, node, metric, series_days, value_rate)  # type: ignore[arg-type]
            )
    return out


def _baseline(series: Series, day: date, weeks: int) -> tuple[tuple[date, ...], int, int]:
    days = tuple(d for w in range(1, weeks + 1) if (d := day - timedelta(weeks=w)) in series.days)
    return days, sum(series.days[d][0] for d in days), sum(series.days[d][1] for d in days)


def _screen(
    k: np.ndarray, n: np.ndarray, bk: np.ndarray, bn: np.ndarray, worse_is_lower: bool
) -> np.ndarray:
    """One-sided p-values of each day against its baseline: the pooled two-proportion z-test,
    vectorised. A screen only: a candidate is then tested exactly, as a whole."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (k + bk) / (n + bn)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / bn))
        z = (k / n - bk / bn) / se
    z = np.where(np.isfinite(z), z, 0.0)
    return np.asarray(norm.cdf(z) if worse_is_lower else norm.sf(z))


def _frozen(n: np.ndarray, day: int, start: int, weeks: int) -> list[int]:
    """Indexes of the same weekday as ``day`` in the ``weeks`` weeks before ``start``, that
    have journeys."""
    first = day - 7 * ((day - start) // 7 + 1)
    return [d for d in range(first, first - 7 * weeks, -7) if d >= 0 and n[d] > 0]


def _scan(series: Series, settings: Periods, min_journeys: int) -> tuple[list[_Candidate], int]:
    """Candidate changes of one series in both directions, and how many day-tests it took."""
    _, _, higher_is_better = METRICS[series.metric]
    if not series.days:
        return [], 0
    first, last = min(series.days), max(series.days)
    calendar = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    k = np.array([series.days.get(d, (0, 0))[0] for d in calendar], dtype=float)
    n = np.array([series.days.get(d, (0, 0))[1] for d in calendar], dtype=float)
    bk, bn, weeks = np.zeros_like(k), np.zeros_like(n), np.zeros_like(n)
    for w in range(1, settings.baseline_weeks + 1):
        shift = 7 * w
        bk[shift:] += k[:-shift] if shift < len(k) else 0
        bn[shift:] += n[:-shift] if shift < len(n) else 0
        weeks[shift:] += (n[:-shift] > 0) if shift < len(n) else 0
    usable = (n > 0) & (bn >= min_journeys) & (weeks >= min(2, settings.baseline_weeks))
    tests = 0
    out = []
    kinds: tuple[Direction, ...] = ("regression", "improvement")
    for kind in kinds:
        worse_is_lower = higher_is_better == (kind == "regression")
        p = np.where(usable, _screen(k, n, bk, bn, worse_is_lower), 1.0)
        tests += int(usable.sum())
        i = 0
        while i < len(calendar):
            if p[i] >= settings.screening_p_value:
                i += 1
                continue
            # Each later day is held against its own weekday in the weeks before the change
            # began (frozen: the change's own days never become its baseline); the change
            # lasts while days stay worse, a quiet day excepted.
            run, base, quiet, j = [i], set(_frozen(n, i, i, settings.baseline_weeks)), 0, i + 1
            while j < len(calendar) and quiet <= _QUIET_DAYS:
                days_j = _frozen(n, j, i, settings.baseline_weeks)
                if n[j] > 0 and days_j:
                    pj = _screen(
                        k[j : j + 1], n[j : j + 1],
                        np.array([k[days_j].sum()]), np.array([n[days_j].sum()]),
                        worse_is_lower,
                    )  # fmt: skip
                    if pj[0] < settings.screening_p_value:
                        run.append(j)
                        base.update(days_j)
                        quiet = 0
                    else:
                        quiet += 1
                j += 1
            baseline = sorted(base)
            alternative: stats.Alternative = "smaller" if worse_is_lower else "larger"
            comparison = stats.compare_proportions(
                int(k[run].sum()), int(n[run].sum()),
                int(k[baseline].sum()), int(n[baseline].sum()), alternative,
            )  # fmt: skip
            out.append(
                _Candidate(
                    series,
                    kind,
                    tuple(calendar[r] for r in run),
                    tuple(calendar[b] for b in baseline),
                    comparison,
                    last,
                )
            )
            i = run[-1] + 1
    return out, tests


def detect_changes(
    con: duckdb.DuckDBPyConnection, periods: Periods, mining: Mining
) -> list[Change]:
    """Regressions and improvements found in touchpoint_history, one per problem."""
    series = load_series(con)
    candidates: list[_Candidate] = []
    tests = 0
    for s in series:
        found, n_tests = _scan(s, periods, mining.min_journeys)
        candidates += found
        tests += n_tests
    # The family is every day tested, in both directions: a change could have started on any
    # of them, so a candidate picked for its extreme days pays for all the days looked at.
    p_values = [c.comparison.p_value for c in candidates]
    q_values = stats.bh_adjusted(p_values + [1.0] * max(tests - len(candidates), 0))
    kept = [
        (c, q)
        for c, q in zip(candidates, q_values, strict=False)
        if q <= mining.false_discovery_rate
        and abs(c.comparison.difference) >= periods.min_rate_change
        and abs(c.lost) >= mining.min_lost_goal_completions
        and c.comparison.n_a >= mining.min_journeys
        and len(c.days) >= periods.min_days
        and c.series.segment_value != UNKNOWN_SEGMENT_VALUE
    ]
    return _one_per_problem(kept, series)


def _overlap(a: _Candidate, b: _Candidate) -> bool:
    return a.days[0] <= b.days[-1] and b.days[0] <= a.days[-1]


def _one_per_problem(
    kept: Sequence[tuple[_Candidate, float]], series: Iterable[Series]
) -> list[Change]:
    """Merge what is one problem: the same node and direction over overlapping days, seen in
    several segments or through several rates. Everyone's finding absorbs the segments', and
    names the segment where the change is strongest."""
    by_series = {(s.segment, s.segment_value, s.level, s.node, s.metric): s for s in series}
    # everyone's before a segment's, the goal rate (the outcome) before the rates that explain it
    ordered = sorted(
        kept,
        key=lambda cq: (
            cq[0].series.segment != "all",
            cq[0].series.metric != "goal_rate",
            -abs(cq[0].lost),
        ),
    )
    groups: list[list[tuple[_Candidate, float]]] = []
    for c, q in ordered:
        for group in groups:
            head = group[0][0]
            if (
                head.kind == c.kind
                and (head.series.level, head.series.node) == (c.series.level, c.series.node)
                and _overlap(head, c)
            ):
                group.append((c, q))
                break
        else:
            groups.append([(c, q)])
    out = []
    for group in groups:
        head, q = group[0]
        s = head.series
        strongest = _strongest_segment(head, by_series)
        out.append(
            Change(
                kind=head.kind,
                segment=s.segment,
                segment_value=s.segment_value,
                level=s.level,
                node=s.node,
                metric=s.metric,
                first_day=head.days[0],
                last_day=head.days[-1],
                ongoing=head.days[-1] == head.last_data_day,
                comparison=head.comparison,
                lost_goal_completions=head.lost,
                p_value=head.comparison.p_value,
                q_value=q,
                concentrated_segment=strongest[0] if strongest else None,
                concentrated_value=strongest[1] if strongest else None,
                concentrated_comparison=strongest[2] if strongest else None,
            )
        )
    return sorted(out, key=lambda c: -abs(c.lost_goal_completions))


def _strongest_segment(
    head: _Candidate, by_series: dict[tuple[str, str, str, str, str], Series]
) -> tuple[str, str, stats.Comparison] | None:
    """For a change seen overall: the segment value whose rate moved most over the same
    days, tested against everyone else over those days."""
    s = head.series
    if s.segment != "all":
        return None
    best: tuple[float, str, str, stats.Comparison] | None = None
    overall_k = sum(s.days.get(d, (0, 0))[0] for d in head.days)
    overall_n = sum(s.days.get(d, (0, 0))[1] for d in head.days)
    for (segment, value, level, node, metric), other in by_series.items():
        if segment == "all" or (level, node, metric) != (s.level, s.node, s.metric):
            continue
        k = sum(other.days.get(d, (0, 0))[0] for d in head.days)
        n = sum(other.days.get(d, (0, 0))[1] for d in head.days)
        base = _baseline_pooled(other, head)
        if n == 0 or base[1] == 0 or overall_n - n <= 0:
            continue
        shift = abs(k / n - base[0] / base[1])
        if best is None or shift > best[0]:
            vs_rest = stats.compare_proportions(k, n, overall_k - k, overall_n - n, "two-sided")
            best = (shift, segment, value, vs_rest)
    return None if best is None else (best[1], best[2], best[3])


def _baseline_pooled(series: Series, head: _Candidate) -> tuple[int, int]:
    return (
        sum(series.days.get(d, (0, 0))[0] for d in head.baseline),
        sum(series.days.get(d, (0, 0))[1] for d in head.baseline),
    )
