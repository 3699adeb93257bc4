"""Each flag in plain words, as the report's findings say it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from journeymine.report.scope import segment_words

# A concentration is named only when its own test says it is real.
CONCENTRATION_P = 0.05

_METRIC_WORDS = {
    "goal_rate": "goal rate",
    "drop_off_rate": "drop-off rate",
    "exit_rate": "exit rate",
}


def pct(value: float | None) -> str:
    """0.523 -> '52%' (one decimal under 10%)."""
    if value is None:
        return "n/a"
    shown = 100 * value
    return f"{shown:.1f}%" if abs(shown) < 10 and shown != 0 else f"{shown:.0f}%"


def _name(labels: Mapping[str, str], touchpoint: str | None) -> str:
    if touchpoint is None:
        return "?"
    return labels.get(touchpoint, touchpoint)


def sentence(flag: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """One flag in plain words: what happens, against what, what it costs, where it is worst."""
    kind = flag["kind"]
    who = (
        ""
        if flag["segment"] == "all"
        else f" of {segment_words((flag['segment'], flag['segment_value']))}"
    )
    at = _name(labels, flag["touchpoint"])
    value, threshold, baseline = flag["value"], flag["threshold"], flag["baseline"]
    lost = flag["lost_goal_completions"] or 0.0
    if kind == "drop_off":
        text = f"{pct(value)} of journeys{who} that reach {at} leave without going on as designed"
        if threshold is not None:
            text += f"; the map expects at most {pct(threshold)}"
    elif kind == "dead_end":
        text = f"only {pct(value)} of journeys{who} through {at} reach a goal afterwards"
        if baseline is not None:
            text += f", against {pct(baseline)} for the rest of its stage"
    elif kind == "loop":
        cycle = flag["cycle"] or flag["subject"]
        names = " → ".join(_name(labels, t.strip()) for t in str(cycle).split(">"))
        text = f"{pct(value)} of journeys{who} go round the cycle {names} and back"
        if threshold is not None:
            text += f"; the map expects at most {pct(threshold)}"
    elif kind == "undesigned_transition":
        text = (
            f"{pct(value)} of journeys{who} at {_name(labels, flag['from_touchpoint'])} go to "
            f"{_name(labels, flag['to_touchpoint'])}, a move the map does not design"
        )
    elif kind == "unvisited_touchpoint":
        text = f"no journey{who} visited {at}, which the map designs"
    elif kind == "unknown_touchpoint":
        text = f"the sources produce the touchpoint {flag['subject']}, which the map lacks"
    elif kind in ("regression", "improvement"):
        metric = _METRIC_WORDS.get(str(flag["metric"]), str(flag["metric"]))
        moved = "fell" if (value or 0) < (baseline or 0) else "rose"
        since = flag["first_date"]
        until = flag["last_date"]
        when = f"since {since}" if until is None or until == since else f"from {since} to {until}"
        text = f"{when}, the {metric} at {at}{who} {moved} from {pct(baseline)} to {pct(value)}"
    else:
        text = str(flag["evidence"]).split(". ")[0]
    if lost >= 0.5 and kind != "improvement":
        text += f"; about {lost:.0f} lost goal completions"
    elif kind == "improvement" and lost:
        text += f"; about {abs(lost):.0f} goal completions gained"
    worst = _worst(flag)
    if worst:
        text += f"; {worst}"
    return text[0].upper() + text[1:]


def _worst(flag: Mapping[str, Any]) -> str:
    p = flag["concentrated_p_value"]
    if flag["concentrated_segment"] is None or p is None or p >= CONCENTRATION_P:
        return ""
    pair = (flag["concentrated_segment"], flag["concentrated_value"])
    return f"worst for {segment_words(pair)} ({pct(flag['concentrated_rate'])})"


def finding_key(flag: Mapping[str, Any]) -> str:
    """What makes a finding the same finding from one report to the next."""
    return f"{flag['kind']}|{flag['subject']}|{flag['segment']}={flag['segment_value']}"
