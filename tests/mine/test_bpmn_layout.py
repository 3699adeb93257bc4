"""The BPMN export opens laid out in a modeler, with or without Graphviz: every flow node
has one shape, no two shapes overlap, every sequence flow is drawn from border to border."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import combinations, pairwise

import networkx as nx
import pytest

from journeymine.mine.bpmn_layout import lay_out
from tests.conftest import REPO
from tests.mining import Mined

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
FLOW_NODES = {
    "startEvent",
    "endEvent",
    "intermediateThrowEvent",
    "intermediateCatchEvent",
    "task",
    "userTask",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
}

# start -> join -> A -> split -> B -> join (a loop through gateways), split -> C <-> D (a
# two-way pair), C -> C (a flow back to itself), D -> end; a stale 0,0 diagram to replace
LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
    id="Defs" targetNamespace="http://example.org/loop">
  <bpmn:process id="P" isExecutable="false">
    <bpmn:startEvent id="start"/>
    <bpmn:exclusiveGateway id="join"/>
    <bpmn:task id="A" name="Browse"/>
    <bpmn:exclusiveGateway id="split"/>
    <bpmn:task id="B" name="Compare"/>
    <bpmn:task id="C" name="Cart"/>
    <bpmn:task id="D" name="Payment"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="join"/>
    <bpmn:sequenceFlow id="f2" sourceRef="join" targetRef="A"/>
    <bpmn:sequenceFlow id="f3" sourceRef="A" targetRef="split"/>
    <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="B"/>
    <bpmn:sequenceFlow id="f5" sourceRef="B" targetRef="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="split" targetRef="C"/>
    <bpmn:sequenceFlow id="f7" sourceRef="C" targetRef="D"/>
    <bpmn:sequenceFlow id="f8" sourceRef="D" targetRef="C"/>
    <bpmn:sequenceFlow id="f9" sourceRef="C" targetRef="C"/>
    <bpmn:sequenceFlow id="f10" sourceRef="D" targetRef="end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="old">
    <bpmndi:BPMNPlane id="old_plane" bpmnElement="P">
      <bpmndi:BPMNShape id="A_gui" bpmnElement="A">
        <dc:Bounds x="0" y="0" width="100" height="100"/>
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""

CHAIN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">
  <process id="P">
    <startEvent id="s"/><task id="t" name="Home"/><endEvent id="e"/>
    <sequenceFlow id="a" sourceRef="s" targetRef="t"/>
    <sequenceFlow id="b" sourceRef="t" targetRef="e"/>
  </process>
</definitions>
"""


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2


@dataclass(frozen=True)
class Drawing:
    nodes: dict[str, str]  # id -> element name
    flows: dict[str, tuple[str, str]]  # id -> (source, target)
    shapes: dict[str, list[Box]]  # flow node id -> its shapes
    edges: dict[str, list[list[tuple[float, float]]]]  # flow id -> its edges' waypoints


def read(document: bytes) -> Drawing:
    root = ET.fromstring(document)
    (process,) = root.findall("bpmn:process", NS)
    nodes = {
        el.get("id", ""): el.tag.rsplit("}", 1)[1]
        for el in process
        if el.tag.rsplit("}", 1)[1] in FLOW_NODES
    }
    flows = {
        el.get("id", ""): (el.get("sourceRef", ""), el.get("targetRef", ""))
        for el in process.findall("bpmn:sequenceFlow", NS)
    }
    shapes: dict[str, list[Box]] = {}
    for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
        b = shape.find("dc:Bounds", NS)
        assert b is not None
        box = Box(*(float(b.get(k, "nan")) for k in ("x", "y", "width", "height")))
        shapes.setdefault(shape.get("bpmnElement", ""), []).append(box)
    edges: dict[str, list[list[tuple[float, float]]]] = {}
    for edge in root.iterfind(".//bpmndi:BPMNEdge", NS):
        points = [
            (float(p.get("x", "nan")), float(p.get("y", "nan")))
            for p in edge.findall("di:waypoint", NS)
        ]
        edges.setdefault(edge.get("bpmnElement", ""), []).append(points)
    return Drawing(nodes, flows, shapes, edges)


def on_outline(point: tuple[float, float], box: Box, element: str) -> bool:
    """On the drawn outline (rectangle, diamond or circle) of the shape, or at its centre."""
    cx, cy = box.centre
    dx, dy = point[0] - cx, point[1] - cy
    if math.hypot(dx, dy) < 0.2:
        return True
    if element.endswith("Gateway"):
        return abs(abs(dx) / (box.w / 2) + abs(dy) / (box.h / 2) - 1) < 0.01
    if element.endswith("Event"):
        return abs(math.hypot(dx, dy) - box.w / 2) < 0.2
    on_vertical = abs(abs(dx) - box.w / 2) < 0.1 and abs(dy) <= box.h / 2 + 0.1
    on_horizontal = abs(abs(dy) - box.h / 2) < 0.1 and abs(dx) <= box.w / 2 + 0.1
    return on_vertical or on_horizontal


def crosses(p: tuple[float, float], q: tuple[float, float], box: Box) -> bool:
    """Whether segment p-q enters the box's interior (Liang-Barsky clipping, 1 unit in)."""
    lo, hi = 0.0, 1.0
    d = (q[0] - p[0], q[1] - p[1])
    for axis, low, high in ((0, box.x + 1, box.x + box.w - 1), (1, box.y + 1, box.y + box.h - 1)):
        if d[axis] == 0:
            if not low < p[axis] < high:
                return False
            continue
        t1, t2 = sorted(((low - p[axis]) / d[axis], (high - p[axis]) / d[axis]))
        lo, hi = max(lo, t1), min(hi, t2)
    return lo < hi


def check_layout(document: bytes) -> Drawing:
    """Every property a modeler needs; returns the drawing for more specific checks."""
    drawing = read(document)
    assert drawing.nodes
    # one shape per flow node, none for anything else, with a real size
    assert {n: len(s) for n, s in drawing.shapes.items()} == dict.fromkeys(drawing.nodes, 1)
    boxes = {n: s[0] for n, s in drawing.shapes.items()}
    for n, box in boxes.items():
        assert (box.w, box.h) in {(100, 80), (50, 50), (36, 36)}, (n, box)
        assert box.x >= 0 and box.y >= 0, (n, box)
    # no two shapes overlap (touching would be allowed; the layout keeps gaps)
    for (a, p), (b, q) in combinations(sorted(boxes.items()), 2):
        apart = p.x + p.w <= q.x or q.x + q.w <= p.x or p.y + p.h <= q.y or q.y + q.h <= p.y
        assert apart, f"{a} {p} overlaps {b} {q}"
    # one edge per sequence flow, from the source's outline to the target's
    assert set(drawing.edges) == set(drawing.flows)
    for flow, (source, target) in drawing.flows.items():
        (points,) = drawing.edges[flow]
        assert len(points) >= 2, flow
        assert on_outline(points[0], boxes[source], drawing.nodes[source]), (flow, points)
        assert on_outline(points[-1], boxes[target], drawing.nodes[target]), (flow, points)
        # ... through no other shape
        for u, v in pairwise(points):
            for n, box in boxes.items():
                if n not in (source, target):
                    assert not crosses(u, v, box), f"{flow} {u}->{v} crosses {n} {box}"
    return drawing


def backward_flows(drawing: Drawing) -> set[str]:
    """Flows drawn right to left (their target's centre left of their source's)."""
    x = {n: s[0].centre[0] for n, s in drawing.shapes.items()}
    return {f for f, (s, t) in drawing.flows.items() if x[t] <= x[s] and s != t}


def test_a_chain_golden() -> None:
    drawing = check_layout(lay_out(CHAIN))
    # columns 36, 100, 36 wide, 60 apart, from a 40 margin; the task's top on the margin
    assert drawing.shapes == {
        "s": [Box(40, 62, 36, 36)],
        "t": [Box(136, 40, 100, 80)],
        "e": [Box(296, 62, 36, 36)],
    }
    assert drawing.edges == {"a": [[(76, 80), (136, 80)]], "b": [[(236, 80), (296, 80)]]}


def test_a_hand_made_model_with_loops() -> None:
    drawing = check_layout(lay_out(LOOP))
    boxes = {n: s[0] for n, s in drawing.shapes.items()}
    x = {n: b.centre[0] for n, b in boxes.items()}
    # left to right along the flow, the stale 0,0 diagram gone
    assert x["start"] < x["join"] < x["A"] < x["split"] < x["B"]
    assert x["split"] < x["C"] < x["D"] < x["end"]
    assert x["B"] == x["C"]  # the same column: both one step after split
    # only the flows that close a cycle run backwards: B -> join and D -> C
    assert backward_flows(drawing) == {"f5", "f8"}
    # C -> D and D -> C are two distinct lines, not one drawn twice
    assert drawing.edges["f7"][0] != drawing.edges["f8"][0][::-1]
    # the flow from C to itself leaves its top and comes back to it, above the shape
    (loop,) = drawing.edges["f9"]
    assert len(loop) == 4
    assert loop[0][1] == loop[-1][1] == boxes["C"].y
    assert min(y for _, y in loop) < boxes["C"].y
    assert b'id="old"' not in lay_out(LOOP)


def test_layout_is_deterministic_and_idempotent() -> None:
    once = lay_out(LOOP)
    assert lay_out(LOOP) == once
    assert lay_out(once) == once  # laying out a laid-out file changes nothing


def test_the_repository_bpmn_fixture_lays_out() -> None:
    drawing = check_layout(lay_out((REPO / "tests/fixtures/small_journey.bpmn").read_bytes()))
    assert backward_flows(drawing) == {"F7"}  # Pre-sales chat -> Product page


def test_discovered_model_opens_laid_out(mined_stories: Mined) -> None:
    _, report, _, _ = mined_stories
    assert report.model is not None
    document = report.model.bpmn.read_bytes()
    drawing = check_layout(document)
    kinds = list(drawing.nodes.values())
    assert kinds.count("task") >= 15 and kinds.count("startEvent") == 1
    assert kinds.count("endEvent") == 1 and "exclusiveGateway" in kinds
    # the start on the left, the end on the right
    x = {n: s[0].centre[0] for n, s in drawing.shapes.items()}
    (start,) = (n for n, k in drawing.nodes.items() if k == "startEvent")
    (end,) = (n for n, k in drawing.nodes.items() if k == "endEvent")
    assert x[start] == min(x.values()) and x[end] == max(x.values())
    # flows run left to right except loop returns: each backward flow's target reaches
    # back to its source, and without them the flow graph has no cycle left
    graph = nx.DiGraph(list(drawing.flows.values()))
    backward = backward_flows(drawing)
    assert backward  # the planted checkout <-> payment loop
    for flow in backward:
        source, target = drawing.flows[flow]
        assert nx.has_path(graph, target, source), flow
    forward = [e for f, e in drawing.flows.items() if f not in backward]
    assert nx.is_directed_acyclic_graph(nx.DiGraph(forward))
    # the file is what a re-layout would give: the export path laid it out
    assert lay_out(document) == document.rstrip(b"\n")


@pytest.mark.parametrize("document", [LOOP, CHAIN])
def test_nodes_without_flows_are_stacked_apart(document: str) -> None:
    stripped = "\n".join(line for line in document.splitlines() if "sequenceFlow" not in line)
    drawing = check_layout(lay_out(stripped))
    assert len(drawing.shapes) == len(drawing.nodes) >= 3 and drawing.edges == {}
    assert len({s[0].centre[0] for s in drawing.shapes.values()}) == 1  # one column
