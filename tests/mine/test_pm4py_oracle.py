"""Oracle: our SQL directly-follows graph and variants equal pm4py's on the same log."""

from __future__ import annotations

from collections import Counter

from journeymine.mine import pm4py_adapter
from tests.mining import Mined


def test_transitions_and_variants_equal_pm4py(mined_stories: Mined) -> None:
    con, _, _, _ = mined_stories
    steps = con.execute("select journey_id, step, touchpoint, occurred_at from journey_steps").df()
    dfg, starts, ends = pm4py_adapter.reference_dfg(steps)
    ours = con.execute(
        "select from_touchpoint, to_touchpoint, occurrences from transitions"
    ).fetchall()
    assert {(a, b): n for a, b, n in ours if a != "__start__" and b != "__end__"} == dfg
    assert {b: n for a, b, n in ours if a == "__start__"} == starts
    assert {a: n for a, b, n in ours if b == "__end__"} == ends

    variants = pm4py_adapter.reference_variants(steps)
    our_variants = Counter(
        {
            tuple(seq.split(" > ")): n
            for seq, n in con.execute("select sequence, journeys from variants").fetchall()
        }
    )
    assert our_variants == Counter(variants)
    assert len(variants) > 100  # a real test, not two trivial dicts
