"""Regressions and improvements: since when, until when, for whom.

Each series (a touchpoint or stage, a segment value, a rate: goal rate, drop-off rate or
exit rate) is read day by day from ``touchpoint_history``. A day is compared with the same
weekday of the ``baseline_weeks`` weeks before it (so a weekly rhythm is never a change). A
day whose rate is worse (or better) with a p-value under ``screening_p_value`` opens a
candidate change; the following days are compared with the baseline frozen at its start, and
the change lasts while they look more like it than like that baseline (a likelihood ratio: a
lasting change of a few dozen journeys a day is rarely significant day by day, but its days
still side with it), a single quiet day excepted. Each candidate is then
tested as a whole (its days pooled against its baseline, exactly for small counts), and the
Benjamini-Hochberg procedure over every day tested (a change could have started on any of
them) keeps the false discovery rate at
``mining.false_discovery_rate``; a change must also move the rate by ``min_rate_change`` and
cost (or save) at least ``min_lost_goal_completions``. The same change seen overall and in a
segment is one finding, named for everyone with the segment where it is strongest; and a
change at one touchpoint moves the goal rates of every touchpoint and stage before it in the
map, which are its consequences, not findings of their own (``_consequence_of``).

This is statistics on aggregates (a few thousand series of daily counts), in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

import duckdb
import numpy as np
from scipy.special import ndtr
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
# A change ends where the days after its last one favour the baseline this much (log odds:
# 20 to 1), so a day or two too small to tell does not end a change that goes on.
_END_LOG_ODDS = float(np.log(20))


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
    related: tuple[str, ...] = ()  # the rates that moved with it as its consequences

    @property
    def overall(self) -> bool:
        return self.segment == "all"


@dataclass(frozen=True)
class MapOrder:
    """Where each node of the designed map leads: which changes are consequences of others."""

    descendants: dict[str, frozenset[str]]  # touchpoint -> touchpoints designed after it
    stage_of: dict[str, str]  # touchpoint -> its stage
    stage_order: dict[str, int]
    shortcuts: frozenset[tuple[str, str]] = frozenset()  # undesigned moves journeys made


def load_map_order(con: duckdb.DuckDBPyConnection) -> MapOrder | None:
    """The designed map's order from its warehouse tables (None before any mining run)."""
    try:
        moves = con.execute("select from_touchpoint, to_touchpoint from map_transitions").fetchall()
        stages = con.execute(
            "select touchpoint, stage, stage_order from map_touchpoints"
        ).fetchall()
        shortcuts = con.execute(
            "select from_touchpoint, to_touchpoint from transitions "
            "where not designed and occurrences > after_goal_journeys"
        ).fetchall()
    except duckdb.CatalogException:
        return None
    after: dict[str, set[str]] = {}
    for a, b in moves:
        after.setdefault(a, set()).add(b)
    descendants = {}
    for start in {tp for tp, _, _ in stages}:
        seen: set[str] = set()
        todo = list(after.get(start, ()))
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo += after.get(node, ())
        descendants[start] = frozenset(seen - {start})
    return MapOrder(
        descendants,
        {tp: stage for tp, stage, _ in stages},
        {stage: int(order) for _, stage, order in stages},
        frozenset((a, b) for a, b in shortcuts),
    )


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
    # the normal's cdf and survival function as scipy.stats.norm computes them (ndtr(z) and
    # ndtr(-z)), without its per-call argument handling: a night screens thousands of series
    return np.asarray(ndtr(z) if worse_is_lower else ndtr(-z))


def _log_likelihood_ratio(k: float, n: float, changed: float, baseline: float) -> float:
    """How much more likely a day of ``k`` in ``n`` is at the change's rate than at its
    baseline's (natural log; positive: it sides with the change)."""
    return float(k * np.log(changed / baseline) + (n - k) * np.log((1 - changed) / (1 - baseline)))


def _frozen(n: np.ndarray, day: int, start: int, weeks: int) -> list[int]:
    """Indexes of the same weekday as ``day`` in the ``weeks`` weeks before ``start``, that
    have journeys."""
    first = day - 7 * ((day - start) // 7 + 1)
    return [d for d in range(first, first - 7 * weeks, -7) if d >= 0 and n[d] > 0]


def _scan(series: Series, settings: Periods, min_journeys: int) -> tuple[list[_Candidate], int]:
    """Candidate changes of one series in both directions, and how many day-tests it took.

    Twice: the days of the changes found the first time are no baseline the second time, so
    the days after an incident are not an "improvement" against a baseline that holds it."""
    if not series.days:
        return [], 0
    first, last = min(series.days), max(series.days)
    calendar = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    k = np.array([series.days.get(d, (0, 0))[0] for d in calendar], dtype=float)
    n = np.array([series.days.get(d, (0, 0))[1] for d in calendar], dtype=float)
    found, tests = _scan_days(series, settings, min_journeys, calendar, k, n, n > 0)
    if not found:
        return found, tests
    changed = {d for c in found for d in c.days}
    usable = np.array([d not in changed for d in calendar]) & (n > 0)
    return _scan_days(series, settings, min_journeys, calendar, k, n, usable)


def _scan_days(
    series: Series,
    settings: Periods,
    min_journeys: int,
    calendar: list[date],
    k: np.ndarray,
    n: np.ndarray,
    baseline_day: np.ndarray,
) -> tuple[list[_Candidate], int]:
    """One scan of a series' days (``k`` of ``n`` on each day of ``calendar``), in both
    directions; only days where ``baseline_day`` holds serve as baselines."""
    _, _, higher_is_better = METRICS[series.metric]
    last = calendar[-1]
    kb, nb = np.where(baseline_day, k, 0.0), np.where(baseline_day, n, 0.0)
    bk, bn, weeks = np.zeros_like(k), np.zeros_like(n), np.zeros_like(n)
    for w in range(1, settings.baseline_weeks + 1):
        shift = 7 * w
        bk[shift:] += kb[:-shift] if shift < len(k) else 0
        bn[shift:] += nb[:-shift] if shift < len(n) else 0
        weeks[shift:] += (nb[:-shift] > 0) if shift < len(n) else 0
    usable = (n > 0) & (bn >= min_journeys) & (weeks >= min(2, settings.baseline_weeks))
    tests = 0
    out = []
    kinds: tuple[Direction, ...] = ("regression", "improvement")
    for kind in kinds:
        worse_is_lower = higher_is_better == (kind == "regression")
        sign = -1.0 if worse_is_lower else 1.0  # the way the rate moves in this kind of change
        p = np.where(usable, _screen(k, n, bk, bn, worse_is_lower), 1.0)
        tests += int(usable.sum())
        i = 0
        while i < len(calendar):
            if p[i] >= settings.screening_p_value:
                i += 1
                continue
            # Each later day is held against its own weekday in the weeks before the change
            # began (frozen: the change's own days never become its baseline); the change
            # lasts while the days after its last one, together, side with it rather than
            # with their baseline (a likelihood ratio), and ends once they favour the
            # baseline by _END_LOG_ODDS.
            end, since, j = i, 0.0, i + 1
            while j < len(calendar) and since > -_END_LOG_ODDS:
                days_j = _frozen(nb, j, i, settings.baseline_weeks)
                if n[j] > 0 and days_j:
                    before = (k[days_j].sum() + 0.5) / (n[days_j].sum() + 1)
                    # the change's rate so far, shrunk towards the baseline as if it began
                    # with min_journeys journeys at the baseline's rate (its first day was
                    # picked for being extreme, and would make ordinary changed days look
                    # like the baseline), but at least min_rate_change away from it (a
                    # change that fades into the baseline ends)
                    run_k, run_n = k[i : end + 1].sum(), n[i : end + 1].sum()
                    shrunk = (run_k + before * min_journeys + 0.5) / (run_n + min_journeys + 1)
                    away = max(sign * (shrunk - before), settings.min_rate_change)
                    changed = min(max(before + sign * away, 1e-6), 1 - 1e-6)
                    since += _log_likelihood_ratio(k[j], n[j], changed, before)
                    if since > 0:  # the days since the last one side with the change
                        end, since = j, 0.0
                j += 1
            # the change is every day from its first to its last, the quieter ones included
            run = [d for d in range(i, end + 1) if n[d] > 0]
            base: set[int] = set()
            for d in run:
                base.update(_frozen(nb, d, i, settings.baseline_weeks))
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
    problems = _one_per_problem(kept, series, load_map_order(con))
    # Then once more per problem: one change shows in dozens of series (its segments, its
    # rates, the goal rates before it), and those true candidates would loosen the procedure
    # enough for a few of the thousands of noise runs to pass alongside. Each problem is
    # judged by its own evidence in the same family of every day tested.
    q_problems = stats.bh_adjusted(
        [c.p_value for c in problems] + [1.0] * max(tests - len(problems), 0)
    )
    return [
        replace(c, q_value=max(c.q_value, q))
        for c, q in zip(problems, q_problems, strict=False)
        if q <= mining.false_discovery_rate
    ]


def _overlap(a: _Candidate, b: _Candidate) -> bool:
    return a.days[0] <= b.days[-1] and b.days[0] <= a.days[-1]


def _one_per_problem(
    kept: Sequence[tuple[_Candidate, float]],
    series: Iterable[Series],
    order: MapOrder | None = None,
) -> list[Change]:
    """Merge what is one problem: the same node and direction over overlapping days, seen in
    several segments or through several rates. Everyone's finding absorbs the segments', and
    names the segment where the change is strongest."""
    by_series = {(s.segment, s.segment_value, s.level, s.node, s.metric): s for s in series}
    # everyone's before a segment's, then the strongest evidence (its days are the surest; to
    # three significant digits, so a rate and its complement tie), then the goal rate (the
    # outcome) before the rates that explain it
    ordered = sorted(
        kept,
        key=lambda cq: (
            cq[0].series.segment != "all",
            float(f"{cq[0].comparison.p_value:.3g}"),
            cq[0].series.metric != "goal_rate",
            -abs(cq[0].lost),
        ),
    )
    # one group per node and direction whose candidates overlap in a chain: a segment's days
    # may join two of everyone's rates whose days do not overlap themselves
    groups: list[list[tuple[_Candidate, float]]] = []
    for c, q in ordered:
        matching = [
            group
            for group in groups
            if group[0][0].kind == c.kind
            and (group[0][0].series.level, group[0][0].series.node)
            == (c.series.level, c.series.node)
            and any(_overlap(m, c) for m, _ in group)
        ]
        if not matching:
            groups.append([(c, q)])
            continue
        matching[0].append((c, q))
        for other in matching[1:]:
            matching[0].extend(other)
            groups.remove(other)
    groups = [g for g in groups if _for_everyone_or_confined(g[0][0], by_series)]
    into = _consequences(groups, order) if order is not None else {}
    out = []
    for g, group in enumerate(groups):
        if g in into:
            continue
        head, q = group[0]
        s = head.series
        strongest = _strongest_segment(head, by_series)
        # each node once (its largest consequence), in order of goal completions
        described: dict[tuple[str, str], str] = {}
        for x in sorted(into, key=lambda x: -abs(groups[x][0][0].lost)):
            consequence = groups[x][0][0]
            node = (consequence.series.level, consequence.series.node)
            if into[x] == g and node not in described:
                described[node] = _describe(consequence)
        related = tuple(described.values())
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
                related=related,
            )
        )
    return sorted(out, key=lambda c: -abs(c.lost_goal_completions))


def _for_everyone_or_confined(
    head: _Candidate, by_series: dict[tuple[str, str, str, str, str], Series]
) -> bool:
    """A change seen only in a segment is its own finding when it is confined to it: the
    segment's rate moved significantly more than the rest's over the same days (a difference
    in differences, Bonferroni over the segment's values), as a flag found only in a segment
    must be worse there than for everyone else."""
    s = head.series
    if s.segment == "all":
        return True
    everyone = by_series.get(("all", "all", s.level, s.node, s.metric))
    if everyone is None:
        return True
    values = sum(
        1
        for seg, _, level, node, metric in by_series
        if (seg, level, node, metric) == (s.segment, s.level, s.node, s.metric)
    )
    mine = (*_pooled(s, head.days), *_pooled(s, head.baseline))
    total = (*_pooled(everyone, head.days), *_pooled(everyone, head.baseline))
    rest = (total[0] - mine[0], total[1] - mine[1], total[2] - mine[2], total[3] - mine[3])
    if min(rest[1], rest[3]) <= 0:
        return True  # the segment is everyone
    sign = 1.0 if head.comparison.difference > 0 else -1.0
    z = sign * _difference_in_differences(mine, rest)
    return bool(norm.sf(z) < 0.05 / max(values, 1))


def _consequence_of(
    group: list[tuple[_Candidate, float]], cause: list[tuple[_Candidate, float]], order: MapOrder
) -> bool:
    """Is ``group``'s change a consequence of ``cause``'s, a change at a touchpoint further on?

    A change at touchpoint X moves the goal rate of every touchpoint the map leads through to
    X (and their exit rates, where journeys come back from X), every rate of X's stage, and the
    goal rate of every earlier stage. It does not move their drop-off, which depends on whether
    journeys went on as designed from them, except where journeys skip from one straight on
    to X by an undesigned move (a "buy now" ad deep-linked to checkout drops off at the ad
    when checkout fails): then a smaller drop-off change there is X's too. Otherwise a node whose
    own drop-off moved over those days has a change of its own."""
    g, c = group[0][0], cause[0][0]
    if g.kind != c.kind or c.series.level != "touchpoint" or not _overlap(g, c):
        return False
    own_drop_off = any(m.series.metric == "drop_off_rate" for m, _ in group)
    if g.series.level == "touchpoint":
        if c.series.node not in order.descendants.get(g.series.node, ()):
            return False
        if (g.series.node, c.series.node) in order.shortcuts and abs(g.lost) < abs(c.lost):
            return True
        return not own_drop_off
    stage = order.stage_of.get(c.series.node)
    if stage is None or g.series.node not in order.stage_order:
        return False
    if stage == g.series.node:
        return True
    return not own_drop_off and order.stage_order[stage] > order.stage_order[g.series.node]


def _consequences(groups: list[list[tuple[_Candidate, float]]], order: MapOrder) -> dict[int, int]:
    """Which change (by index) each consequence belongs to: the first change that is a
    consequence of nothing, found by following what explains what. Where changes explain one
    another round a cycle of the map, the one with the largest effect is the change."""
    explained_by = {
        i: [
            j for j in range(len(groups)) if j != i and _consequence_of(groups[i], groups[j], order)
        ]
        for i in range(len(groups))
    }
    into = {}
    for i, causes in explained_by.items():
        if not causes:
            continue
        seen, todo, root = {i}, list(causes), None
        while todo:
            j = todo.pop(0)
            if j in seen:
                continue
            seen.add(j)
            if not explained_by[j]:
                root = j
                break
            todo += explained_by[j]
        if root is None:
            root = max(sorted(seen), key=lambda j: abs(groups[j][0][0].lost))
        if root != i:
            into[i] = root
    return into


def _describe(c: _Candidate) -> str:
    """'goal rate after cart -12.3 points (everyone)': a change absorbed as a consequence."""
    s = c.series
    where = s.node if s.level == "touchpoint" else f"stage {s.node}"
    what = {
        "goal_rate": "goal rate after",
        "drop_off_rate": "drop-off at",
        "exit_rate": "exit rate at",
    }[s.metric]
    who = "everyone" if s.segment == "all" else f"{s.segment}={s.segment_value}"
    return f"{what} {where} {100 * c.comparison.difference:+.1f} points ({who})"


def _strongest_segment(
    head: _Candidate, by_series: dict[tuple[str, str, str, str, str], Series]
) -> tuple[str, str, stats.Comparison] | None:
    """For a change seen overall: the segment value where it concentrates, and its rate over
    the change's days against everyone else's.

    Where it concentrates is where the rate moved most *more than for the rest*: each segment
    value's shift from its baseline, less the rest's shift over the same days, in standard
    errors (a difference in differences). A small segment's noisy shift, or a big segment's
    share of everyone's shift, does not outrank the segment the change is confined to."""
    s = head.series
    if s.segment != "all":
        return None
    best: tuple[float, str, str, stats.Comparison] | None = None
    everyone = (*_pooled(s, head.days), *_baseline_pooled(s, head))
    sign = 1.0 if head.comparison.difference > 0 else -1.0
    for (segment, value, level, node, metric), other in by_series.items():
        if segment == "all" or (level, node, metric) != (s.level, s.node, s.metric):
            continue
        mine = (*_pooled(other, head.days), *_baseline_pooled(other, head))
        rest = (everyone[0] - mine[0], everyone[1] - mine[1], everyone[2] - mine[2],
                everyone[3] - mine[3])  # fmt: skip
        if min(mine[1], mine[3], rest[1], rest[3]) <= 0:
            continue
        z = sign * _difference_in_differences(mine, rest)
        if best is None or z > best[0]:
            k, n = mine[0], mine[1]
            vs_rest = stats.compare_proportions(k, n, rest[0], rest[1], "two-sided")
            best = (z, segment, value, vs_rest)
    return None if best is None else (best[1], best[2], best[3])


def _pooled(series: Series, days: Iterable[date]) -> tuple[int, int]:
    return (
        sum(series.days.get(d, (0, 0))[0] for d in days),
        sum(series.days.get(d, (0, 0))[1] for d in days),
    )


def _difference_in_differences(
    mine: tuple[int, int, int, int], rest: tuple[int, int, int, int]
) -> float:
    """(segment's rate over the days - over its baseline) - (the same for the rest), in
    standard errors; each count (k, n, baseline k, baseline n)."""
    rates, variance = [], 0.0
    for k, n in ((mine[0], mine[1]), (mine[2], mine[3]), (rest[0], rest[1]), (rest[2], rest[3])):
        p = (k + 0.5) / (n + 1)
        rates.append(k / n)
        variance += p * (1 - p) / n
    return float(((rates[0] - rates[1]) - (rates[2] - rates[3])) / np.sqrt(variance))


def _baseline_pooled(series: Series, head: _Candidate) -> tuple[int, int]:
    return _pooled(series, head.baseline)
