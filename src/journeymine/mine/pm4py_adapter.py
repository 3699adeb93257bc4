"""Everything journeymine asks of pm4py, behind plain types.

pm4py's column names (``case:concept:name``), parameter dicts, variant enums and object
model stay in this module. It works on aggregates, never on raw events: a directly-follows
graph with counts, or one trace per variant with its weight.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re
import sys
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from journeymine.errors import MapError
from journeymine.mine import bpmn_layout

# one import at a time: mine() starts it in a thread beside the SQL, replay may ask meanwhile
_IMPORTING = threading.Lock()


@cache
def _pm4py() -> ModuleType:
    """Import pm4py (once, from any thread) without letting its banner reach the user's output.

    pm4py prints its banner to stderr only when imported straight from ``__main__``, and only
    while ``sys._pm4py_welcome_shown`` is unset; journeymine imports it from here and sets
    that flag first. The process's stdout and stderr are not redirected: the import runs in a
    thread beside the night's SQL (``load``), and a redirection would swallow what every other
    thread writes meanwhile.
    """
    with _IMPORTING:
        sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # pm4py's own switch
        import pm4py
        from pm4py.util import constants

        constants.SHOW_PROGRESS_BAR = False  # no tqdm bars in users' logs
    module: ModuleType = pm4py
    return module


def load() -> None:
    """Import pm4py now (about a second), so that the first call that needs it does not wait;
    mine() runs this in a thread while DuckDB works."""
    _pm4py()


@dataclass(frozen=True)
class Replay:
    """Token-based replay of one trace: pm4py's counts and fitness."""

    missing: int
    consumed: int
    remaining: int
    produced: int
    fitness: float


@dataclass(frozen=True)
class ProcessModel:
    """A discovered Petri net, opaque outside this module."""

    net: Any
    initial_marking: Any
    final_marking: Any

    @property
    def transitions(self) -> int:
        return len(self.net.transitions)

    @property
    def places(self) -> int:
        return len(self.net.places)


def _event_log(traces: Iterable[Sequence[str]]) -> Any:
    from pm4py.objects.log.obj import Event, EventLog, Trace

    _pm4py()
    log = EventLog()
    for i, trace in enumerate(traces):
        t = Trace(attributes={"concept:name": str(i)})
        for activity in trace:
            t.append(Event({"concept:name": activity}))
        log.append(t)
    return log


def designed_net(
    transitions: Iterable[tuple[str, str]], entries: Iterable[str], activities: Iterable[str]
) -> ProcessModel:
    """The designed map as a workflow net: a place per touchpoint ("last step was T"), a
    transition per designed move; a journey may start at an entry and end after any step
    (stopping is drop-off, measured elsewhere, not a deviation)."""
    _pm4py()
    from pm4py.objects.conversion.dfg import converter
    from pm4py.objects.conversion.dfg.variants.to_petri_net_activity_defines_place import (
        Parameters,
    )

    # sorted: the net (and so the replay of a deviating trace) must not depend on the order
    # of a set, which changes with every process's hash seed
    acts = sorted(set(activities))
    dfg = dict.fromkeys(sorted(set(transitions)), 1)
    net, im, fm = converter.apply(
        dfg,
        parameters={
            Parameters.START_ACTIVITIES: {e: 1 for e in sorted(set(entries))},
            Parameters.END_ACTIVITIES: {a: 1 for a in acts},
        },
        variant=converter.Variants.VERSION_TO_PETRI_NET_ACTIVITY_DEFINES_PLACE,
    )
    return ProcessModel(net, im, fm)


def replay(model: ProcessModel, traces: Sequence[Sequence[str]]) -> list[Replay]:
    """Token-based replay of each trace on ``model`` (one call for all traces).

    Deterministic: when two transitions with an event's label are enabled (a deviating
    journey leaves a token behind), pm4py fires the first of an unordered set of transitions
    hashed by object id, so the same log replayed twice could count different missing
    tokens. During the call that set is ordered by transition name.
    """
    with _ordered_enabled_transitions():
        return _token_replay(model, traces)


def _token_replay(model: ProcessModel, traces: Sequence[Sequence[str]]) -> list[Replay]:
    """pm4py's token replay as it is (``replay`` orders its choices)."""
    results = _pm4py().conformance_diagnostics_token_based_replay(
        _event_log(traces), model.net, model.initial_marking, model.final_marking
    )
    return [
        Replay(
            missing=int(r["missing_tokens"]),
            consumed=int(r["consumed_tokens"]),
            remaining=int(r["remaining_tokens"]),
            produced=int(r["produced_tokens"]),
            fitness=float(r["trace_fitness"]),
        )
        for r in results
    ]


def discover(variants: Iterable[tuple[Sequence[str], int]], noise_threshold: float) -> ProcessModel:
    """Inductive miner, infrequent variant (IMf), on variants with their journey counts.

    (Given a DFG, pm4py switches to IMd and ignores the noise threshold; variants keep the
    frequencies IMf filters on, at the size of the variant table, not of the log.)
    """
    pm4py = _pm4py()
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
    from pm4py.algo.discovery.inductive.variants.imf import IMFUVCL
    from pm4py.objects.process_tree.utils.generic import fold, tree_sort

    counts: Counter[tuple[str, ...]] = Counter()
    for sequence, journeys in variants:
        counts[tuple(sequence)] += journeys
    # What pm4py's inductive.algorithm.apply does for a variant counter; called directly
    # because apply's `type(obj) in [UVCL]` check cannot match (UVCL is a typing alias).
    parameters = {"noise_threshold": noise_threshold}
    with _one_pass_dfg(), _one_pass_sequence_projection():
        tree = IMFUVCL(parameters).apply(IMDataStructureUVCL(counts), parameters)
    tree = fold(tree)
    tree_sort(tree)
    net, im, fm = pm4py.convert_to_petri_net(tree)
    return ProcessModel(net, im, fm)


def export(model: ProcessModel, out_dir: Path, stem: str) -> tuple[Path, Path]:
    """Write the model as PNML and BPMN 2.0 (laid out for a modeler); returns both paths."""
    pm4py = _pm4py()
    out_dir.mkdir(parents=True, exist_ok=True)
    pnml = out_dir / f"{stem}.pnml"
    bpmn = out_dir / f"{stem}.bpmn"
    pm4py.write_pnml(model.net, model.initial_marking, model.final_marking, str(pnml))
    graph = pm4py.convert_to_bpmn(model.net, model.initial_marking, model.final_marking)
    # pm4py's own layout needs Graphviz's `dot` (every shape at 0,0 without it): lay it out
    # in Python instead, the same with or without Graphviz
    pm4py.write_bpmn(graph, str(bpmn), auto_layout=False)
    bpmn_layout.lay_out_file(bpmn)
    return bpmn, pnml


def _log_frame(steps: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "case:concept:name": steps["journey_id"].astype(str),
            "concept:name": steps["touchpoint"].astype(str),
            "time:timestamp": pd.to_datetime(steps["occurred_at"]),
            "jm_step": steps["step"],
        }
    ).sort_values(["case:concept:name", "jm_step"], kind="stable")
    return frame.drop(columns="jm_step").reset_index(drop=True)


def reference_dfg(
    steps: pd.DataFrame,
) -> tuple[dict[tuple[str, str], int], dict[str, int], dict[str, int]]:
    """pm4py's own DFG of a journey log (journey_id, step, touchpoint, occurred_at): the
    oracle our SQL is tested against. For tests and audits, not for production volumes."""
    pm4py = _pm4py()
    dfg, starts, ends = pm4py.discover_dfg(_log_frame(steps))
    return dict(dfg), dict(starts), dict(ends)


def reference_variants(steps: pd.DataFrame) -> dict[tuple[str, ...], int]:
    """pm4py's variants of a journey log, with their counts."""
    pm4py = _pm4py()
    variants = pm4py.get_variants(_log_frame(steps))
    return {tuple(k): (v if isinstance(v, int) else len(v)) for k, v in variants.items()}


# --- BPMN import -------------------------------------------------------------------------

_CHANNEL = re.compile(r"\s*\((web|social|chat)\)\s*$", re.IGNORECASE)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return slug if slug and slug[0].isalpha() else f"t_{slug}"


def _lanes(path: Path) -> list[tuple[str, set[str]]]:
    """(lane name, ids of the flow nodes in it), in document order."""
    ns = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
    lanes = []
    for lane in ET.parse(path).getroot().iter(f"{ns}lane"):
        refs = {ref.text.strip() for ref in lane.iter(f"{ns}flowNodeRef") if ref.text}
        lanes.append((lane.get("name") or lane.get("id") or "lane", refs))
    return lanes


def bpmn_to_map_document(path: Path) -> dict[str, Any]:
    """A BPMN 2.0 diagram as a journey map document.

    Tasks become touchpoints (id from the name; a trailing ``(web)``, ``(social)`` or
    ``(chat)`` sets the channel, web otherwise); lanes become stages, in document order (one
    stage ``journey`` without lanes); sequence flows become transitions, followed through
    gateways and intermediate events; tasks right after a start event are entries, tasks
    right before an end event are goals.
    """
    pm4py = _pm4py()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            graph = pm4py.read_bpmn(str(path))
    except Exception as exc:
        raise MapError(f"{path}: not a readable BPMN 2.0 file: {exc}") from exc
    from pm4py.objects.bpmn.obj import BPMN

    nodes = list(graph.get_nodes())
    document_order = {el.get("id"): i for i, el in enumerate(ET.parse(path).getroot().iter())}
    tasks = sorted(
        (n for n in nodes if isinstance(n, BPMN.Task)),
        key=lambda n: document_order.get(n.get_id(), len(document_order)),
    )
    if not tasks:
        raise MapError(f"{path}: the BPMN diagram has no tasks to turn into touchpoints")
    out: dict[Any, list[Any]] = {n: [] for n in nodes}
    for flow in graph.get_flows():
        out.setdefault(flow.get_source(), []).append(flow.get_target())

    def next_tasks(node: Any) -> set[Any]:
        found, stack, seen = set(), list(out.get(node, [])), set()
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            if isinstance(n, BPMN.Task):
                found.add(n)
            else:
                stack.extend(out.get(n, []))
        return found

    def reaches_end(node: Any) -> bool:
        stack, seen = list(out.get(node, [])), set()
        while stack:
            n = stack.pop()
            if n in seen or isinstance(n, BPMN.Task):
                continue
            seen.add(n)
            if isinstance(n, BPMN.EndEvent):
                return True
            stack.extend(out.get(n, []))
        return False

    lanes = _lanes(path)
    stage_of_node = {ref: _slug(name) for name, refs in lanes for ref in refs}
    ids = {}
    touchpoints = []
    for task in tasks:
        name = task.get_name() or task.get_id()
        channel = _CHANNEL.search(name)
        label = _CHANNEL.sub("", name).strip()
        ids[task] = _slug(label)
        touchpoints.append(
            {
                "id": ids[task],
                "label": label,
                "stage": stage_of_node.get(task.get_id(), "journey"),
                "channel": channel.group(1).lower() if channel else "web",
            }
        )
    stages = list(dict.fromkeys(_slug(name) for name, _ in lanes)) or ["journey"]
    starts = [n for n in nodes if isinstance(n, BPMN.StartEvent)]
    return {
        "name": path.stem,
        "stages": [{"id": s} for s in stages],
        "touchpoints": touchpoints,
        "transitions": [
            {"from": ids[t], "to": sorted(ids[n] for n in next_tasks(t)), "back": True}
            for t in tasks
            if next_tasks(t)
        ],
        "entries": sorted({ids[t] for s in starts for t in next_tasks(s)}),
        "goals": sorted(ids[t] for t in tasks if reaches_end(t)),
    }


@contextlib.contextmanager
def _ordered_enabled_transitions() -> Iterator[None]:
    """Make ``pm4py.objects.petri_net.semantics.enabled_transitions`` (which token replay
    calls by module attribute) return its transitions sorted by name, for the duration."""
    from pm4py.objects.petri_net import semantics

    unordered = semantics.enabled_transitions
    sourceless: dict[int, list[Any]] = {}  # per net (alive for the call): always enabled

    def ordered(net: Any, marking: Any) -> list[Any]:
        # the transitions pm4py's function returns (every input place holds the arc's
        # weight), found from the marked places' output arcs instead of testing every
        # transition of the net: replay asks once per event
        if id(net) not in sourceless:
            sourceless[id(net)] = [t for t in net.transitions if not t.in_arcs]
        candidates = {a.target for p, n in marking.items() if n > 0 for a in p.out_arcs}
        enabled = [
            t
            for t in candidates.union(sourceless[id(net)])
            if t in net.transitions and all(marking[a.source] >= a.weight for a in t.in_arcs)
        ]
        return sorted(enabled, key=lambda t: str(t.name))

    semantics.enabled_transitions = ordered
    try:
        yield
    finally:
        semantics.enabled_transitions = unordered


def dfg_of_variants(log: dict[tuple[str, ...], int]) -> Any:
    """The directly-follows graph of a variant counter, in one pass over the variants.

    What pm4py's ``util.compression.util.discover_dfg_uvcl`` returns (same counts, same
    insertion order of every counter), which the inductive miner recomputes for every
    sub-log it splits off: pm4py's loops once per activity over all variants and updates a
    Counter per pair, most of the discovery's time on tens of thousands of variants.
    """
    from pm4py.objects.dfg.obj import DFG

    graph: dict[tuple[str, str], int] = {}
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    for trace, n in log.items():
        if not trace:
            continue
        for pair in itertools.pairwise(trace):
            graph[pair] = graph.get(pair, 0) + n
        starts[trace[0]] = starts.get(trace[0], 0) + n
        ends[trace[-1]] = ends.get(trace[-1], 0) + n
    dfg = DFG()
    dfg.graph.update(graph)
    # pm4py adds start and end activities in the order of the sorted alphabet
    for activity in sorted({a for trace in log for a in trace}):
        if activity in starts:
            dfg.start_activities[activity] = starts[activity]
        if activity in ends:
            dfg.end_activities[activity] = ends[activity]
    return dfg


@contextlib.contextmanager
def _one_pass_dfg() -> Iterator[None]:
    """Have pm4py's inductive miner (which calls ``discover_dfg_uvcl`` by module attribute)
    use ``dfg_of_variants`` for the duration."""
    from pm4py.util.compression import util

    pm4py_version = util.discover_dfg_uvcl
    util.discover_dfg_uvcl = dfg_of_variants
    try:
        yield
    finally:
        util.discover_dfg_uvcl = pm4py_version


def project_on_sequence(log: dict[tuple[str, ...], int], groups: list[Any]) -> list[Any]:
    """The sub-logs of a sequence cut: what pm4py's ``SequenceCutUVCL.project`` returns (the
    same counters, keys in the same order), which splits every variant at the point where
    moving on to the next group costs least.

    pm4py scans each variant once per group with a membership test of the group and of the
    union of the groups before it, a union it builds again per variant: most of the
    discovery's time after the DFG, on tens of thousands of variants. Here each activity's
    group is looked up once per variant, the split points are found once per distinct
    sequence of groups (``_sequence_split_points``), and one pass over the variant splits it.
    An activity in no group counts as one of a later group, as it does in pm4py's scan.
    """
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL

    number: dict[str, int] = {}
    for i, group in enumerate(groups):
        for activity in group:
            number.setdefault(activity, i)
    k = len(groups)
    logs: list[Counter[tuple[str, ...]]] = [Counter() for _ in groups]
    ends_of: dict[tuple[int, ...], list[int]] = {}  # many variants share a group sequence
    for trace, n in log.items():
        g = tuple([number.get(activity, k) for activity in trace])
        ends = ends_of.get(g)
        if ends is None:
            ends = ends_of[g] = _sequence_split_points(g, k)
        parts: list[list[str]] = [[] for _ in groups]
        i = 0
        for j, activity in enumerate(trace):
            while i < k and j >= ends[i]:
                i += 1  # past the last group's end: in no part
            if i < k and g[j] == i:
                parts[i].append(activity)
        for i, part in enumerate(parts):
            key = tuple(part)
            logs[i][key] = logs[i].get(key, 0) + n
    return [IMDataStructureUVCL(sub) for sub in logs]


def _sequence_split_points(g: tuple[int, ...], k: int) -> list[int]:
    """Where each of ``k`` groups' part of a variant ends, given each activity's group: as
    pm4py's ``_find_split_point``, from the previous group's end, at the first lowest cost
    (an activity of the group -1, of a later group +1, of an earlier one 0)."""
    ends = []
    split = 0
    for i in range(k):
        cost = least = 0
        end = split
        for j in range(split, len(g)):
            if g[j] == i:
                cost -= 1
                if cost < least:
                    least, end = cost, j + 1
            elif g[j] > i:
                cost += 1
        ends.append(end)
        split = end
    return ends


@contextlib.contextmanager
def _one_pass_sequence_projection() -> Iterator[None]:
    """Have pm4py's sequence cuts on variants use ``project_on_sequence`` for the duration,
    when the groups are disjoint (a cut's always are; otherwise pm4py's own runs)."""
    from pm4py.algo.discovery.inductive.cuts.sequence import SequenceCutUVCL

    pm4py_version = SequenceCutUVCL.__dict__["project"]

    def project(cls: type, obj: Any, groups: list[Any], parameters: Any = None) -> list[Any]:
        if sum(len(group) for group in groups) != len(set().union(*groups)):
            return pm4py_version.__func__(cls, obj, groups, parameters)  # type: ignore[no-any-return]
        return project_on_sequence(obj.data_structure, groups)

    SequenceCutUVCL.project = classmethod(project)
    try:
        yield
    finally:
        SequenceCutUVCL.project = pm4py_version
