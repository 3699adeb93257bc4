"""From candidate findings to flags: test, control false discoveries, locate, merge, rank.

Every rule (one SQL file in ``sql/flags/``) returns candidates in one shape, overall
(segment ``all``) and for every segment value: a count ``k`` of ``n`` journeys, the test that
judges it, a target or a comparison group, and the goal completions it costs. This module
does the statistics on those aggregates (``journeymine.stats``), never on events:

1. each candidate with enough journeys gets a p-value from its rule's test;
2. the Benjamini-Hochberg procedure over every p-value of the run keeps the false discovery
   rate at ``mining.false_discovery_rate``;
3. a significant candidate must also matter: cost at least ``min_lost_goal_completions`` and
   pass its rule's practical test;
4. a finding significant overall is one flag for everyone, naming the segment where its
   rate is worst (tested against the rest); one significant only inside a segment is a flag
   for that segment;
5. findings that are one problem become one flag: a loop absorbs the undesigned moves that
   close it, a drop-off the undesigned exits it leaks into;
6. undesigned moves whose journeys convert as well or better are map suggestions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from journeymine import stats
from journeymine.config import UNKNOWN_SEGMENT_VALUE, Mining

STRUCTURAL = "structural"
# The segment value of journeys whose events never carried the attribute: tested with the
# others (it is part of the false-discovery family) but never a flag of its own, since "people
# we know nothing about" is no group anyone can act on.
UNKNOWN_VALUE = UNKNOWN_SEGMENT_VALUE


@dataclass(frozen=True)
class Candidate:
    """One rule's row: a possible finding, overall or in one segment."""

    kind: str
    subject: str
    touchpoint: str | None
    from_touchpoint: str | None
    to_touchpoint: str | None
    cycle: str | None
    segment: str
    segment_value: str
    metric: str
    k: int
    n: int
    test: str
    threshold: float | None
    k_base: int | None
    n_base: int | None
    journeys_affected: int
    goal_rate_affected: float | None
    goal_rate_expected: float | None
    lost_goal_completions: float
    population: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.subject)

    @property
    def overall(self) -> bool:
        return self.segment == "all"

    @property
    def rate(self) -> float | None:
        return self.k / self.n if self.n else None

    @property
    def base_rate(self) -> float | None:
        return self.k_base / self.n_base if self.n_base and self.k_base is not None else None

    @property
    def share(self) -> float | None:
        """Journeys concerned / journeys the finding is judged over."""
        return self.journeys_affected / self.population if self.population else None


CANDIDATE_COLUMNS = tuple(Candidate.__dataclass_fields__)


@dataclass(frozen=True)
class Concentration:
    """The segment value where a finding's rate is worst, against everyone else."""

    segment: str
    segment_value: str
    comparison: stats.Comparison


@dataclass(frozen=True)
class Finding:
    candidate: Candidate
    p_value: float | None
    q_value: float | None
    concentration: Concentration | None = None
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """An undesigned move that converts as well as the designed ways from its source."""

    from_touchpoint: str
    to_touchpoint: str
    journeys: int
    source_share: float
    goal_rate: float
    others_goal_rate: float
    comparison: stats.Comparison


def _testable(c: Candidate, settings: Mining) -> bool:
    if c.test == STRUCTURAL or c.n < settings.min_journeys:
        return False
    if c.test in ("below_baseline", "worse_than_others"):
        return (c.n_base or 0) >= settings.min_journeys
    return c.threshold is not None


# The direction in which a rule's rate is bad: drop-off and loop rates too high, goal rates
# (dead end, undesigned move) too low.
_WORSE_IS_HIGHER = {"above_target": True, "below_baseline": False, "worse_than_others": False}


def p_value(c: Candidate) -> float:
    """The p-value of a candidate under its rule's test."""
    if c.test == "above_target":
        assert c.threshold is not None
        return stats.test_against_target(c.k, c.n, c.threshold, "above")
    if c.test in ("below_baseline", "worse_than_others"):
        assert c.k_base is not None and c.n_base is not None
        return stats.proportions_p_value(c.k, c.n, c.k_base, c.n_base, "smaller")
    raise ValueError(f"no test named {c.test!r}")


def _practical(c: Candidate, settings: Mining) -> bool:
    """Does a significant candidate matter? Tiny effects on big samples do not."""
    if c.lost_goal_completions < settings.min_lost_goal_completions:
        return False
    if c.test == "below_baseline":
        rate, base = c.rate, c.base_rate
        return (
            rate is not None
            and base is not None
            and (rate <= settings.dead_end_relative_goal_rate * base)
        )
    if c.test == "worse_than_others":
        share = c.share
        return share is not None and c.threshold is not None and share >= c.threshold
    return True


def _concentration(
    best: Candidate, rows: Sequence[Candidate], settings: Mining
) -> Concentration | None:
    """The segment value with the worst rate for this finding, tested against the rest."""
    overall = next((r for r in rows if r.overall), None)
    if overall is None or best.test == STRUCTURAL:
        return None
    higher = _WORSE_IS_HIGHER.get(best.test, True)
    segments = [
        r
        for r in rows
        if not r.overall
        and (r.segment, r.segment_value) != (best.segment, best.segment_value)
        and r.n >= settings.min_journeys
        and overall.n - r.n > 0
    ]
    if not segments:
        return None
    worst = max(segments, key=lambda r: ((r.rate or 0.0) if higher else -(r.rate or 0.0), r.n))
    comparison = stats.compare_proportions(
        worst.k, worst.n, overall.k - worst.k, overall.n - worst.n, "two-sided"
    )
    worse = comparison.difference > 0 if higher else comparison.difference < 0
    if not worse:  # the same everywhere: no segment stands out
        return None
    return Concentration(worst.segment, worst.segment_value, comparison)


def findings(candidates: Iterable[Candidate], settings: Mining) -> list[Finding]:
    """Test every candidate, control the false discovery rate, keep what matters.

    The rules' rows come in no particular order; they are sorted first, so that ties (two
    segments equally worst, two findings losing as much) are broken the same way every run.
    """
    rows = sorted(candidates, key=lambda c: (c.kind, c.subject, c.segment, c.segment_value))
    tested = [c for c in rows if _testable(c, settings)]
    p_values = [p_value(c) for c in tested]
    q_values = stats.bh_adjusted(p_values)
    q_of = {id(c): (p, q) for c, p, q in zip(tested, p_values, q_values, strict=True)}
    by_key: dict[tuple[str, str], list[Candidate]] = {}
    for c in rows:
        by_key.setdefault(c.key, []).append(c)

    out: list[Finding] = []
    for key_rows in by_key.values():
        structural = [c for c in key_rows if c.test == STRUCTURAL]
        if structural:
            out.append(Finding(structural[0], None, None))
            continue
        passing = [
            c
            for c in key_rows
            if id(c) in q_of
            and q_of[id(c)][1] <= settings.false_discovery_rate
            and _practical(c, settings)
            and c.segment_value != UNKNOWN_VALUE
        ]
        if not passing:
            continue
        overall = [c for c in passing if c.overall]
        if overall:
            best = overall[0]
        else:
            # significant only inside segments: a flag of its own only where the segment
            # really differs from everyone else (correlated segments ride along otherwise)
            confined = [c for c in passing if _differs_from_rest(c, key_rows, settings)]
            if not confined:
                continue
            best = max(confined, key=lambda c: c.lost_goal_completions)
            passing = confined
        p, q = q_of[id(best)]
        also = sorted(  # for a segment's own flag: the other segments where it holds
            (c for c in passing if c is not best and not best.overall),
            key=lambda c: -c.lost_goal_completions,
        )
        others = tuple(
            f"also significant for {c.segment}={c.segment_value}" for c in also[:MAX_ALSO]
        )
        out.append(Finding(best, p, q, _concentration(best, key_rows, settings), related=others))
    return merge(out)


MAX_ALSO = 3


def _differs_from_rest(c: Candidate, rows: Sequence[Candidate], settings: Mining) -> bool:
    """Is the segment's rate significantly worse than everyone else's? Bonferroni over the
    finding's segment values, at the run's false discovery rate."""
    overall = next((r for r in rows if r.overall), None)
    if overall is None or overall.n - c.n <= 0:
        return False
    alternative: stats.Alternative = "larger" if _WORSE_IS_HIGHER.get(c.test, True) else "smaller"
    p = stats.proportions_p_value(c.k, c.n, overall.k - c.k, overall.n - c.n, alternative)
    segments = sum(1 for r in rows if not r.overall)
    return p <= settings.false_discovery_rate / max(segments, 1)


def _cycle_moves(cycle: str) -> set[tuple[str, str]]:
    points = cycle.split(" > ")
    return {(a, b) for a, b in zip(points, points[1:] + points[:1], strict=True)}


def _absorbs(h: Candidate, c: Candidate) -> str | None:
    """How finding ``h`` contains finding ``c`` (the same problem seen twice), if it does."""
    if (h.segment, h.segment_value) != (c.segment, c.segment_value) or h is c:
        return None
    if c.kind == "undesigned_transition":
        move = (c.from_touchpoint, c.to_touchpoint)
        if h.kind == "loop" and h.cycle is not None and move in _cycle_moves(h.cycle):
            return (
                f"closed by the undesigned move {c.subject} ({c.n} journeys, goal rate "
                f"{_pct(c.rate)} vs {_pct(c.base_rate)} for the others)"
            )
        if h.kind == "drop_off" and h.touchpoint == c.from_touchpoint:
            return (
                f"leaks into the undesigned move {c.subject} ({c.n} journeys, goal rate "
                f"{_pct(c.rate)} vs {_pct(c.base_rate)} for the others)"
            )
    if c.kind == "drop_off" and h.kind == "dead_end" and h.touchpoint == c.touchpoint:
        return f"{c.k} of {c.n} journeys there went neither on as designed nor to a goal"
    return None


# Which finding absorbs another first: a loop before a drop-off takes an undesigned move.
_ABSORB_ORDER = ("loop", "dead_end", "drop_off")


def merge(found: list[Finding]) -> list[Finding]:
    """One problem, one flag: a loop absorbs the undesigned moves that close it, a drop-off
    the undesigned exits it leaks into, a dead end the drop-off at the same touchpoint (each
    in the same segment). What is absorbed becomes related evidence."""
    absorbed: dict[int, list[str]] = {}
    dropped: set[int] = set()
    hosts = sorted(
        range(len(found)),
        key=lambda j: (
            _ABSORB_ORDER.index(found[j].candidate.kind)
            if found[j].candidate.kind in _ABSORB_ORDER
            else len(_ABSORB_ORDER)
        ),
    )
    for i, f in enumerate(found):
        for j in hosts:
            if j in dropped:
                continue
            what = _absorbs(found[j].candidate, f.candidate)
            if what is not None:
                absorbed.setdefault(j, []).append(what)
                dropped.add(i)
                break
    return [
        replace(f, related=f.related + tuple(absorbed.get(i, ())))
        for i, f in enumerate(found)
        if i not in dropped
    ]


def suggestions(candidates: Iterable[Candidate], settings: Mining) -> list[Suggestion]:
    """Undesigned moves taken often enough whose journeys convert as well or better."""
    out = []
    for c in candidates:
        if c.kind != "undesigned_transition" or not c.overall:
            continue
        if c.n < settings.min_journeys or (c.n_base or 0) < 1:
            continue
        share, rate, base = c.share, c.rate, c.base_rate
        if share is None or rate is None or base is None or c.threshold is None:
            continue
        if share >= c.threshold and rate >= base:
            assert c.from_touchpoint is not None and c.to_touchpoint is not None
            assert c.k_base is not None and c.n_base is not None
            comparison = stats.compare_proportions(c.k, c.n, c.k_base, c.n_base, "two-sided")
            out.append(
                Suggestion(c.from_touchpoint, c.to_touchpoint, c.n, share, rate, base, comparison)
            )
    return sorted(out, key=lambda s: (-s.journeys, s.from_touchpoint, s.to_touchpoint))


def _pct(x: float | None) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


def candidate_from_row(row: dict[str, Any]) -> Candidate:
    return Candidate(**{name: row[name] for name in CANDIDATE_COLUMNS})
