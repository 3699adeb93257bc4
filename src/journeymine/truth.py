"""Score a run's flags against the generator's ground truth: precision and recall.

A planted story is found when a flag of its kind sits where it was planted (the touchpoint;
a cycle's touchpoints in cyclic order; a move's ends) and names its segment, as the flag's own
segment or as the segment where it is significantly worst. A story that is a consequence of
another (``consequence_of``) must not be a flag of its own: the engine merges it. A planted
undesigned move that converts better is a map suggestion, not a flag.

Changes over time (regressions, improvements): a log without dated stories plants none, so
each is a false positive, except one that begins after the last day on which new customers
arrive (``arrivals`` in the ground truth): from then on every journey is a returning
customer's and the segments defined by who returns change their mix, which the time
machinery rightly reports (``after_arrivals``, listed apart, neither found nor false). Dated
stories are judged by ``tests/periods/test_dated_stories.py``; in a log with them, changes
are listed apart here (``dated_changes``) and not judged.

Used by the tests (``tests/flags/test_findings_against_truth.py``) and by the benchmark
(``benchmarks/bench.py``), which scores every size it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, get_args

import duckdb

from journeymine.flags import Flag
from journeymine.periods.changes import Direction

# the generator's kind names -> the flag kinds that report them
KIND = {"rework_cycle": "loop"}
# the flag kinds that report a change over time
CHANGE_KINDS: tuple[str, ...] = get_args(Direction)


def _same_cycle(a: list[str], b: list[str]) -> bool:
    if len(a) != len(b):
        return False
    doubled = a + a
    return any(doubled[i : i + len(b)] == b for i in range(len(a)))


def _segment_named(flag: Flag, segment: dict[str, str] | None) -> bool:
    if segment is None:
        return flag.segment == "all"
    wanted = (segment["key"], segment["value"])
    own = (flag.segment, flag.segment_value) == wanted
    p = flag.concentrated_p_value
    worst = (flag.concentrated_segment, flag.concentrated_value) == wanted and p is not None
    return own or (worst and p is not None and p < 0.05)


def matches(flag: Flag, story: dict[str, Any]) -> bool:
    """Is ``flag`` at the place ``story`` was planted (segment aside)?"""
    if flag.kind != KIND.get(story["kind"], story["kind"]):
        return False
    if flag.kind == "loop":
        return flag.cycle is not None and _same_cycle(flag.cycle.split(" > "), story["cycle"])
    if flag.kind == "undesigned_transition":
        return bool((flag.from_touchpoint, flag.to_touchpoint) == (story["from"], story["to"]))
    return bool(flag.touchpoint == story["touchpoint"])


@dataclass
class Score:
    true_positives: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    wrong_segment: list[str] = field(default_factory=list)
    not_top_of_kind: list[str] = field(default_factory=list)
    after_arrivals: list[str] = field(default_factory=list)
    dated_changes: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = len(self.true_positives) + len(self.false_positives)
        return len(self.true_positives) / found if found else 1.0

    @property
    def recall(self) -> float:
        planted = len(self.true_positives) + len(self.missed)
        return len(self.true_positives) / planted if planted else 1.0


def suggested(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    rows = con.execute("select from_touchpoint, to_touchpoint from map_suggestions").fetchall()
    return {(a, b) for a, b in rows}


def score(flags: list[Flag], truth: dict[str, Any], suggestions: set[tuple[str, str]]) -> Score:
    s = Score()
    stories = [st for st in truth["stories"] if "consequence_of" not in st]
    claimed: set[int] = set()
    for story in stories:
        if story["kind"] == "undesigned_transition" and story.get("expect") != "flag":
            # a shortcut that converts: the map is out of date, not the journey
            key = (story["from"], story["to"])
            if key in suggestions:
                s.true_positives.append(story["id"])
            else:
                s.missed.append(story["id"])
            continue
        at_place = [f for f in flags if matches(f, story)]
        if not at_place:
            s.missed.append(story["id"])
            continue
        right = [f for f in at_place if _segment_named(f, story["segment"])]
        if not right:
            s.wrong_segment.append(story["id"])
            s.missed.append(story["id"])
            claimed.update(f.rank for f in at_place)
            continue
        claimed.update(f.rank for f in at_place)
        s.true_positives.append(story["id"])
        planted_of_kind = sum(
            1 for st in stories if KIND.get(st["kind"], st["kind"]) == right[0].kind
        )
        if min(f.rank_in_kind for f in right) > planted_of_kind:
            s.not_top_of_kind.append(story["id"])
    last_arrival = truth.get("arrivals", {}).get("last_day")
    for f in flags:
        if f.kind not in CHANGE_KINDS or f.rank in claimed:
            continue
        name = f"{f.kind}:{f.subject} ({f.segment}={f.segment_value}, from {f.first_date})"
        if truth.get("dated_stories"):
            s.dated_changes.append(name)
        elif (
            last_arrival is not None
            and f.first_date is not None
            and f.first_date > date.fromisoformat(last_arrival)
        ):
            s.after_arrivals.append(name)
        else:
            continue
        claimed.add(f.rank)
    s.false_positives = [f"{f.kind}:{f.subject}" for f in flags if f.rank not in claimed]
    return s
