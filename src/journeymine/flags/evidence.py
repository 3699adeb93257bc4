"""What a flag says, in plain words: one sentence per kind, then where it concentrates.

Numbers in sentences are the flag's own columns, rounded for reading; rates carry their
Wilson 95% interval.
"""

from __future__ import annotations

import math

from journeymine import stats
from journeymine.flags.engine import STRUCTURAL, Candidate, Finding, Suggestion
from journeymine.periods.changes import Change


def pct(x: float | None) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


def _pct_ci(k: int, n: int) -> str:
    low, high = stats.wilson_interval(k, n)
    return f"{pct(k / n)}, 95% CI {100 * low:.1f}-{pct(high)}"


def metric(c: Candidate) -> str:
    """The rate a flag is about: drop-offs and loops a share of journeys, dead ends and
    undesigned moves the goal rate of the journeys concerned."""
    return "goal_rate" if c.kind == "undesigned_transition" else c.metric


def value(c: Candidate) -> float | None:
    if c.kind == "unknown_touchpoint":
        return float(c.n)
    if c.test == STRUCTURAL or not c.n:
        return None
    if c.kind == "drop_off" or c.kind == "loop":
        return c.k / c.n
    return c.rate


def interval(c: Candidate) -> tuple[float, float]:
    return stats.wilson_interval(c.k, c.n)


def baseline(c: Candidate) -> float | None:
    """What the rate is held against: the target, or the comparison group's rate."""
    if c.test == "above_target":
        return c.threshold
    return c.base_rate


def _who(c: Candidate) -> str:
    return "" if c.overall else f" ({c.segment}={c.segment_value})"


def _main(c: Candidate) -> str:
    who = _who(c)
    if c.kind == "drop_off":
        return (
            f"{c.k} of {c.n} journeys{who} reaching {c.touchpoint} went neither on as designed "
            f"nor to a goal ({_pct_ci(c.k, c.n)}; target at most {pct(c.threshold)})"
        )
    if c.kind == "dead_end" and c.test == STRUCTURAL:
        return f"the designed map leads from {c.touchpoint} to no goal"
    if c.kind == "dead_end":
        return (
            f"{c.k} of {c.n} journeys{who} through {c.touchpoint} reached a goal afterwards "
            f"({_pct_ci(c.k, c.n)}), against {pct(c.base_rate)} for the other journeys of "
            f"its stage"
        )
    if c.kind == "loop":
        assert c.cycle is not None
        first = c.cycle.split(" > ")[0]
        return (
            f"{c.k} of {c.n} journeys{who} visiting {', '.join(c.cycle.split(' > '))} went "
            f"round the cycle {c.cycle} > {first} ({_pct_ci(c.k, c.n)}; target at most "
            f"{pct(c.threshold)}); goal rate {pct(c.goal_rate_affected)} vs "
            f"{pct(c.goal_rate_expected)} for the others"
        )
    if c.kind == "undesigned_transition":
        return (
            f"{c.n} of {c.population} journeys{who} at {c.from_touchpoint} went to "
            f"{c.to_touchpoint}, which the map does not design ({pct(c.share)}); goal rate "
            f"afterwards {pct(c.rate)} vs {pct(c.base_rate)} for the others"
        )
    if c.kind == "unvisited_touchpoint":
        return f"designed touchpoint {c.touchpoint} was visited by none of {c.n} journeys"
    if c.kind == "unknown_touchpoint":
        return f"{c.n} journeys visited {c.touchpoint}, which is not in the designed map"
    raise ValueError(f"no sentence for flag kind {c.kind!r}")


def sentence(f: Finding) -> str:
    """The flag's evidence: the finding, its test, where it concentrates, what it absorbed."""
    parts = [_main(f.candidate)]
    if f.q_value is not None:
        parts.append(f"p = {f.p_value:.2g}, q = {f.q_value:.2g}")
    conc = f.concentration
    if conc is not None:
        cmp = conc.comparison
        verdict = "significant" if cmp.p_value < 0.05 else "not significant"
        parts.append(
            f"worst for {conc.segment}={conc.segment_value}: {pct(cmp.rate_a)} vs "
            f"{pct(cmp.rate_b)} for the rest (p = {cmp.p_value:.2g}, {verdict})"
        )
    parts.extend(f.related)
    return ". ".join(parts)


_RATE_WORDS = {"goal_rate": "goal rate", "drop_off_rate": "drop-off", "exit_rate": "exit rate"}


def change(c: Change) -> str:
    """'from 2026-03-02 to 2026-03-20, goal rate after checkout fell from 61% to 38% ...'"""
    cmp = c.comparison
    where = c.node if c.level == "touchpoint" else f"stage {c.node}"
    what = _RATE_WORDS[c.metric] + (" after " if c.metric == "goal_rate" else " at ") + where
    moved = "rose" if cmp.difference > 0 else "fell"
    when = f"since {c.first_day}" if c.ongoing else f"from {c.first_day} to {c.last_day}"
    who = "" if c.overall else f" for {c.segment}={c.segment_value}"
    lost = c.lost_goal_completions
    cost = (
        f"~{lost:.0f} lost goal completions" if lost >= 0 else f"~{-lost:.0f} more goal completions"
    )
    text = (
        f"{when}{who}, {what} {moved} from {pct(cmp.rate_b)} to {pct(cmp.rate_a)} "
        f"({100 * cmp.difference:+.1f} points, 95% CI {100 * cmp.ci_low:+.1f} to "
        f"{100 * cmp.ci_high:+.1f}; {cmp.n_a} journeys against the same weekdays of the weeks "
        f"before; p = {c.p_value:.2g}, q = {c.q_value:.2g}), {cost}"
    )
    if c.concentrated_comparison is not None and c.concentrated_comparison.p_value < 0.05:
        s = c.concentrated_comparison
        text += (
            f". Mostly {c.concentrated_segment}={c.concentrated_value}: {pct(s.rate_a)} vs "
            f"{pct(s.rate_b)} for the rest over those days"
        )
    if c.related:
        text += f". With it, as its consequences before it in the map: {'; '.join(c.related)}"
    return text


def suggestion(s: Suggestion) -> str:
    return (
        f"{s.journeys} journeys ({pct(s.source_share)}) at {s.from_touchpoint} went to "
        f"{s.to_touchpoint}, which the map does not design, and converted as well or better: "
        f"goal rate {pct(s.goal_rate)} vs {pct(s.others_goal_rate)} for the others "
        f"(difference 95% CI {100 * s.comparison.ci_low:+.1f} to "
        f"{100 * s.comparison.ci_high:+.1f} points): consider adding it to the map"
    )
