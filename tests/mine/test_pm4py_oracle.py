"""Oracle: our SQL directly-follows graph and variants equal pm4py's on the same log."""

from __future__ import annotations

import contextlib
import itertools
import os
import random
from collections import Counter

import pytest

from journeymine.mine import pm4py_adapter
from tests.mining import SAMPLE_MAP, Mined


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


def test_conforming_variants_replay_as_pm4py_would(mined_stories: Mined, sample_map) -> None:  # type: ignore[no-untyped-def]
    """Conforming variants skip pm4py; what they are given must be what pm4py computes."""
    con, _, _, _ = mined_stories
    rows = con.execute(
        "select replay_sequence, replay_steps, missing_tokens, consumed_tokens, remaining_tokens, "
        "produced_tokens, fitness, conforms from variants order by journeys desc limit 300"
    ).fetchall()
    assert sum(1 for r in rows if r[-1]) > 50 and sum(1 for r in rows if not r[-1]) > 5
    model = pm4py_adapter.designed_net(
        sample_map.transitions, sample_map.entries, set(sample_map.touchpoints)
    )
    replays = pm4py_adapter.replay(model, [r[0].split(" > ") for r in rows])
    for (sequence, steps, missing, consumed, remaining, produced, fitness, conforms), r in zip(
        rows, replays, strict=True
    ):
        assert (missing, consumed, remaining, produced) == (
            r.missing, r.consumed, r.remaining, r.produced,
        ), sequence  # fmt: skip
        assert fitness == pytest.approx(r.fitness)
        assert (fitness == 1.0) == conforms == (steps + 2 == consumed == produced and missing == 0)


_REPLAY_CHILD = """
import json, random, sys
junk = [object() for _ in range(int(sys.argv[1]))]  # another heap: other object ids
from journeymine.mapping import load_map
from journeymine.mine import pm4py_adapter
m = load_map(sys.argv[2])
tps = sorted(m.touchpoints)
rng = random.Random(5)
traces = [[rng.choice(tps) for _ in range(rng.randint(2, 9))] for _ in range(300)]
model = pm4py_adapter.designed_net(m.transitions, m.entries, set(tps))
print(json.dumps([r.missing for r in pm4py_adapter.replay(model, traces)]))
"""


def test_token_replay_of_deviating_journeys_is_the_same_in_every_process() -> None:
    """pm4py fires the first of an unordered set when two transitions could; our replay
    orders it, so fitness never changes between two runs on the same data."""
    import subprocess
    import sys

    results = set()
    for seed, junk in (("1", "0"), ("6", "33333"), ("4", "77777")):
        done = subprocess.run(
            [sys.executable, "-c", _REPLAY_CHILD, junk, str(SAMPLE_MAP)],
            capture_output=True, text=True, timeout=300, check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )  # fmt: skip
        results.add(done.stdout.strip().splitlines()[-1])
    assert len(results) == 1


def _inductive_tree(log: Counter[tuple[str, ...]], *, one_pass: bool) -> str:
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
    from pm4py.algo.discovery.inductive.variants.imf import IMFUVCL
    from pm4py.objects.process_tree.utils.generic import fold, tree_sort

    parameters = {"noise_threshold": 0.2}
    with contextlib.ExitStack() as patches:
        if one_pass:
            patches.enter_context(pm4py_adapter._one_pass_dfg())
            patches.enter_context(pm4py_adapter._one_pass_sequence_projection())
        tree = fold(IMFUVCL(parameters).apply(IMDataStructureUVCL(log), parameters))
    tree_sort(tree)
    return str(tree)


def test_one_pass_dfg_is_what_pm4py_computes(mined_stories: Mined) -> None:
    """The inductive miner's DFG of a sub-log and the sub-logs of a sequence cut: the same
    counts in the same counter order as pm4py's own (the miner's choices may follow the
    order), and the same discovered tree."""
    from pm4py.algo.discovery.inductive.cuts.sequence import SequenceCutUVCL
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
    from pm4py.util.compression import util

    pm4py_adapter._pm4py()
    pm4py_projection = SequenceCutUVCL.__dict__["project"]
    rng = random.Random(5)
    activities = [f"t{i}" for i in range(12)]
    log: Counter[tuple[str, ...]] = Counter()
    for _ in range(400):
        trace = tuple(rng.choice(activities) for _ in range(rng.randint(0, 9)))
        log[trace] += rng.randint(1, 50)
    ours, theirs = pm4py_adapter.dfg_of_variants(log), util.discover_dfg_uvcl(log)
    assert list(ours.graph.items()) == list(theirs.graph.items())
    assert list(ours.start_activities.items()) == list(theirs.start_activities.items())
    assert list(ours.end_activities.items()) == list(theirs.end_activities.items())
    assert len(ours.graph) > 100 and () in log  # many pairs, and an empty trace skipped

    # sequence cuts of 1 to 5 groups, an activity left out of every group
    for cut in range(30):
        shuffled = rng.sample(activities[:11], 11)
        bounds = sorted(rng.sample(range(1, 11), rng.randint(0, 4)))
        groups = [shuffled[a:b] for a, b in itertools.pairwise([0, *bounds, 11])]
        ours_split = pm4py_adapter.project_on_sequence(log, groups)
        theirs_split = SequenceCutUVCL.project(IMDataStructureUVCL(log), groups)
        assert [list(s.data_structure.items()) for s in ours_split] == [
            list(s.data_structure.items()) for s in theirs_split
        ], f"cut {cut}: {groups}"

    con = mined_stories[0]
    variants = Counter(
        {
            tuple(s.split(" > ")): n
            for s, n in con.execute("select sequence, journeys from variants").fetchall()
        }
    )
    tree = _inductive_tree(variants, one_pass=True)
    assert tree == _inductive_tree(variants, one_pass=False)
    assert tree.count("'") > 20  # a real model, many activities
    assert util.discover_dfg_uvcl is not pm4py_adapter.dfg_of_variants  # patches undone
    assert SequenceCutUVCL.__dict__["project"] is pm4py_projection


def test_ordered_enabled_transitions_are_pm4py_s_sorted(sample_map) -> None:  # type: ignore[no-untyped-def]
    """Replay's enabled transitions, found from the marked places: the set pm4py's own
    function returns (sorted by name) in every marking a deviating replay reaches, and the
    same replay results as with pm4py's function sorted."""
    from pm4py.objects.petri_net import semantics

    model = pm4py_adapter.designed_net(
        sample_map.transitions, sample_map.entries, set(sample_map.touchpoints)
    )
    rng = random.Random(11)
    tps = sorted(sample_map.touchpoints)
    traces = [[rng.choice(tps) for _ in range(rng.randint(2, 9))] for _ in range(200)]
    plain = semantics.enabled_transitions
    seen: list[tuple[list[str], list[str]]] = []
    with pm4py_adapter._ordered_enabled_transitions():
        fast = semantics.enabled_transitions

        def both(net, marking):  # type: ignore[no-untyped-def]
            ours = fast(net, marking)
            seen.append(([t.name for t in ours], sorted(t.name for t in plain(net, marking))))
            return ours

        semantics.enabled_transitions = both
        try:
            with_fast = pm4py_adapter._token_replay(model, traces)
        finally:
            semantics.enabled_transitions = fast
    assert semantics.enabled_transitions is plain  # patch undone
    assert len(seen) > 500 and all(ours == theirs for ours, theirs in seen)
    assert any(len(ours) > 1 for ours, _ in seen)  # markings with a choice were met

    def sorted_plain(net, marking):  # type: ignore[no-untyped-def]
        return sorted(plain(net, marking), key=lambda t: str(t.name))

    semantics.enabled_transitions = sorted_plain
    try:
        with_plain = pm4py_adapter._token_replay(model, traces)
    finally:
        semantics.enabled_transitions = plain
    assert with_fast == with_plain
    assert any(r.missing for r in with_fast)  # deviating traces, not only clean ones


def test_ordered_enabled_transitions_with_joins_weights_and_no_inputs() -> None:
    """Every marking of a net with an AND-join, an arc of weight 2 and a transition without
    input places: the same transitions as pm4py's own function, sorted by name."""
    import itertools

    from pm4py.objects.petri_net import semantics
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils.petri_utils import add_arc_from_to

    pm4py_adapter._pm4py()
    net = PetriNet("n")
    places = [PetriNet.Place(f"p{i}") for i in range(3)]
    names = ("join", "a", "heavy", "free", "b")
    t = {n: PetriNet.Transition(n, n) for n in names}
    for x in [*places, *t.values()]:
        (net.places if isinstance(x, PetriNet.Place) else net.transitions).add(x)
    add_arc_from_to(places[0], t["join"], net)
    add_arc_from_to(places[1], t["join"], net)
    add_arc_from_to(places[0], t["a"], net)
    add_arc_from_to(places[2], t["heavy"], net, weight=2)
    add_arc_from_to(places[1], t["b"], net)
    add_arc_from_to(t["a"], places[2], net)
    plain = semantics.enabled_transitions
    with pm4py_adapter._ordered_enabled_transitions():
        fast = semantics.enabled_transitions
        for counts in itertools.product(range(3), repeat=3):
            marking = Marking({p: n for p, n in zip(places, counts, strict=True) if n})
            ours = [x.name for x in fast(net, marking)]
            assert ours == sorted(x.name for x in plain(net, marking)), counts
            assert "free" in ours and ("heavy" in ours) == (counts[2] >= 2)
            assert ("join" in ours) == (counts[0] > 0 and counts[1] > 0)
