"""Every planted story is flagged near the top of its kind; a clean log raises no flag."""

from __future__ import annotations

import pytest

from journeymine.generate import STORY_TRUTH
from journeymine.mine import pm4py_adapter
from tests.mining import Mined


def _planted(kind: str) -> set[str]:
    """The touchpoints of the planted story of ``kind`` found over all journeys (no segment)."""
    story = next(
        s
        for s in STORY_TRUTH
        if s["kind"] == kind and s["segment"] is None and "consequence_of" not in s
    )
    if "cycle" in story:
        return {str(t) for t in story["cycle"]}  # type: ignore[attr-defined]
    if "from" in story:
        return {str(story["from"]), str(story["to"])}
    return {str(story["touchpoint"])}


def _find(flags, kind: str, subject: set[str]):  # type: ignore[no-untyped-def]
    for f in flags:
        names = {f.touchpoint, f.from_touchpoint, f.to_touchpoint} - {None}
        if f.kind == kind and names == subject:
            return f
    raise AssertionError(f"no {kind} flag on {subject}: {[(f.kind, f.subject) for f in flags]}")


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        ("drop_off", _planted("drop_off")),
        ("dead_end", _planted("dead_end")),
        ("loop", _planted("loop")),
        ("undesigned_transition", _planted("undesigned_transition")),
    ],
)
def test_planted_story_is_flagged_near_the_top(
    mined_stories: Mined, kind: str, subject: set[str]
) -> None:
    _, _, flags, _ = mined_stories
    flag = _find(flags, kind, subject)
    assert flag.rank_in_kind <= 2, (
        kind,
        [(f.kind, f.subject, f.lost_goal_completions) for f in flags],
    )
    assert flag.ci_low is not None and flag.journeys_affected > 30
    assert flag.evidence


def test_the_biggest_planted_loss_ranks_first(mined_stories: Mined) -> None:
    _, _, flags, _ = mined_stories
    assert (flags[0].kind, flags[0].subject) == ("drop_off", "payment")
    assert [f.rank for f in flags] == list(range(1, len(flags) + 1))
    lost = [f.lost_goal_completions for f in flags]
    assert lost == sorted(lost, reverse=True)


def test_no_flag_on_a_log_without_stories(mined_clean: Mined) -> None:
    con, report, flags, _ = mined_clean
    assert flags == []
    assert con.execute("select count(*) from flags").fetchall() == [(0,)]
    c = report.conformance
    assert c.journeys > 3000
    assert (c.transition_fitness, c.conforming_journey_rate, c.token_replay_fitness) == (
        1.0,
        1.0,
        1.0,
    )
    assert c.design_coverage == 1.0


def test_stories_lower_conformance(mined_stories: Mined) -> None:
    _, report, _, _ = mined_stories
    c = report.conformance
    assert c.transition_fitness < 1.0 and c.conforming_journey_rate < 0.97


def test_discovered_model_is_exported(mined_stories: Mined, sample_map) -> None:  # type: ignore[no-untyped-def]
    _, report, _, _ = mined_stories
    assert report.model is not None
    assert "<pnml" in report.model.pnml.read_text(encoding="utf-8")
    # the BPMN reads back (through our own importer): its tasks are the map's touchpoints,
    # all but the rarest, which the noise threshold filters out
    document = pm4py_adapter.bpmn_to_map_document(report.model.bpmn)
    tasks = {t["id"] for t in document["touchpoints"]}
    assert tasks <= set(sample_map.touchpoints)
    assert len(tasks) >= 15
    assert {"payment", "checkout", "order_confirmed", "delivery_info"} <= tasks
