"""Lay out a BPMN 2.0 diagram in plain Python, so that a modeler opens it drawn.

pm4py draws its BPMN export with Graphviz's ``dot``; without it every shape sits at 0,0.
This module needs nothing installed: it reads the process's flow nodes and sequence flows
from the XML and writes new BPMNDI (a shape with bounds per flow node, an edge with
waypoints per sequence flow), flowing left to right:

1. cycles are broken by a depth-first search from the start events (a flow back to a node
   still on the search path is a *back* flow, laid out as if reversed);
2. each node gets a column, its longest distance from a source (a flow that spans several
   columns gets a bend point in each column it crosses);
3. nodes are ordered within their column by the barycentre of their neighbours, sweeping
   back and forth and keeping the order with the fewest crossings;
4. each node is placed as near the mean height of its neighbours as its column allows
   (isotonic regression under the minimum gaps), so no two shapes overlap;
5. flows leave a node on its right side and enter on the left (back flows the other way
   round), turn only in the gaps between columns, each in a lane of its own, and so never
   cross another shape.

The output depends only on the input document: the same XML gives the same layout. Flow
nodes nested in sub-processes, lanes, pools and artefacts are not drawn; the layout
replaces any BPMNDI the document had.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Literal

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
_PREFIXES = {
    "bpmn": BPMN,
    "bpmndi": BPMNDI,
    "dc": DC,
    "di": DI,
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}

Kind = Literal["rect", "diamond", "circle"]
Side = Literal["left", "right", "top", "bottom"]

# sizes bpmn.io gives new elements
_SIZE: dict[Kind, tuple[float, float]] = {
    "rect": (100.0, 80.0),
    "diamond": (50.0, 50.0),
    "circle": (36.0, 36.0),
}
_ACTIVITIES = {"callActivity", "subProcess", "transaction", "adHocSubProcess"}
MARGIN = 40.0  # around the drawing
GAP_Y = 40.0  # between two shapes in a column
GAP_DUMMY = 25.0  # between a bend point and anything else in its column
MIN_GAP_X = 60.0  # between columns
LANE_X = 12.0  # between two vertical flow segments in one gap
SELF_LOOP = 15.0  # how far a flow from a node to itself rises above it
_SWEEPS = 8


@dataclass(frozen=True)
class Box:
    """A shape's bounds (x, y is its top-left corner) and its outline."""

    x: float
    y: float
    width: float
    height: float
    kind: Kind

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    def port(self, side: Side, offset: float) -> tuple[float, float]:
        """The point of the outline on ``side``, ``offset`` away from the side's middle."""
        horizontal = side in ("left", "right")
        half_across, half_along = (
            (self.width / 2, self.height / 2) if horizontal else (self.height / 2, self.width / 2)
        )
        if self.kind == "rect":
            depth = half_across
        elif self.kind == "diamond":
            depth = half_across * (1 - abs(offset) / half_along)
        else:
            depth = math.sqrt(max(half_across**2 - offset**2, 0.0))
        sign = 1 if side in ("right", "bottom") else -1
        if horizontal:
            return self.cx + sign * depth, self.cy + offset
        return self.cx + offset, self.cy + sign * depth


@dataclass(frozen=True)
class _Flow:
    id: str
    source: str
    target: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _kind(local_name: str) -> Kind | None:
    """The outline of a flow node by its element name; None for what is not a flow node."""
    lowered = local_name.lower()
    if lowered.endswith("event"):
        return "circle"
    if lowered.endswith("gateway"):
        return "diamond"
    if lowered.endswith("task") or local_name in _ACTIVITIES:
        return "rect"
    return None


def _back_flows(nodes: Sequence[str], starts: Sequence[str], flows: Sequence[_Flow]) -> set[int]:
    """Indexes of the flows that close a cycle, found by a depth-first search from
    ``starts`` (then any node not reached yet), successors in document order."""
    out: dict[str, list[int]] = {n: [] for n in nodes}
    for i, f in enumerate(flows):
        out[f.source].append(i)
    state: dict[str, int] = {}  # 1: on the search path, 2: done
    back: set[int] = set()
    for root in [*starts, *nodes]:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(out[root]))]
        while stack:
            node, pending = stack[-1]
            flow = next(pending, None)
            if flow is None:
                state[node] = 2
                stack.pop()
                continue
            target = flows[flow].target
            if state.get(target) == 1:
                back.add(flow)
            elif target not in state:
                state[target] = 1
                stack.append((target, iter(out[target])))
    return back


def _layers(nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layering of an acyclic graph: a node sits one column right of its
    furthest predecessor."""
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    succs: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        preds[b].append(a)
        succs[a].append(b)
    waiting = {n: len(preds[n]) for n in nodes}
    ready = [n for n in nodes if waiting[n] == 0]
    layer: dict[str, int] = {}
    while ready:
        n = ready.pop()
        layer[n] = max((layer[p] + 1 for p in preds[n]), default=0)
        for s in succs[n]:
            waiting[s] -= 1
            if waiting[s] == 0:
                ready.append(s)
    if len(layer) != len(nodes):  # cannot happen once back flows are reversed
        raise ValueError("the flow graph still has a cycle")
    return layer


def _crossings(layers: list[list[str]], down: dict[str, list[str]]) -> int:
    total = 0
    for upper, lower in pairwise(layers):
        pos = {n: i for i, n in enumerate(lower)}
        segments = [(i, pos[m]) for i, n in enumerate(upper) for m in down[n]]
        total += sum(
            1
            for k, (a1, b1) in enumerate(segments)
            for a2, b2 in segments[k + 1 :]
            if (a1 - a2) * (b1 - b2) < 0
        )
    return total


def _order(
    layers: list[list[str]], down: dict[str, list[str]], up: dict[str, list[str]]
) -> list[list[str]]:
    """Barycentre sweeps; the order with the fewest crossings wins (the first on ties)."""
    best = [list(layer) for layer in layers]
    best_crossings = _crossings(best, down)
    current = [list(layer) for layer in layers]
    for sweep in range(_SWEEPS):
        downward = sweep % 2 == 0
        indexes = range(1, len(current)) if downward else range(len(current) - 2, -1, -1)
        for li in indexes:
            ref = current[li - 1] if downward else current[li + 1]
            pos = {n: i for i, n in enumerate(ref)}
            neighbours = up if downward else down
            keyed = []
            for i, n in enumerate(current[li]):
                near = [pos[m] for m in neighbours[n]]
                keyed.append((sum(near) / len(near) if near else float(i), i, n))
            current[li] = [n for _, _, n in sorted(keyed)]
        crossings = _crossings(current, down)
        if crossings < best_crossings:
            best, best_crossings = [list(layer) for layer in current], crossings
    return best


def _isotonic_place(desired: Sequence[float], gaps: Sequence[float]) -> list[float]:
    """Centres as near ``desired`` as possible (least squares) with centre[i+1] - centre[i]
    >= gaps[i]: with z[i] = centre[i] - sum(gaps[:i]) the constraint is z non-decreasing,
    which pool-adjacent-violators solves exactly."""
    offsets = [0.0]
    for g in gaps:
        offsets.append(offsets[-1] + g)
    blocks: list[list[float]] = []  # [mean, count]
    for d, o in zip(desired, offsets, strict=True):
        blocks.append([d - o, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            prev = blocks[-1]
            prev[0] = (prev[0] * prev[1] + mean * count) / (prev[1] + count)
            prev[1] += count
    z = [mean for mean, count in blocks for _ in range(int(count))]
    return [zi + o for zi, o in zip(z, offsets, strict=True)]


def _place(
    layers: list[list[str]],
    height: dict[str, float],
    dummies: set[str],
    down: dict[str, list[str]],
    up: dict[str, list[str]],
) -> dict[str, float]:
    """Vertical centres: each node pulled towards its neighbours' mean, columns packed."""

    def gaps(layer: list[str]) -> list[float]:
        return [
            (height[a] + height[b]) / 2
            + (GAP_Y if a not in dummies and b not in dummies else GAP_DUMMY)
            for a, b in pairwise(layer)
        ]

    centre: dict[str, float] = {}
    for layer in layers:
        packed = _isotonic_place([0.0] * len(layer), gaps(layer))
        centre.update(zip(layer, packed, strict=True))
    for sweep in range(_SWEEPS):
        downward = sweep % 2 == 0
        order = layers[1:] if downward else layers[-2::-1]
        for layer in order:
            desired = []
            for n in layer:
                near = up[n] if downward else down[n]
                desired.append(sum(centre[m] for m in near) / len(near) if near else centre[n])
            centre.update(zip(layer, _isotonic_place(desired, gaps(layer)), strict=True))
    return centre


def _lay_out_process(
    process: ET.Element, top: float
) -> tuple[dict[str, Box], dict[str, list[tuple[float, float]]]]:
    """Shapes of the process's flow nodes and waypoints of its sequence flows."""
    kinds: dict[str, Kind] = {}
    element_names: dict[str, str] = {}
    for child in process:
        kind = _kind(_local(child.tag))
        node_id = child.get("id")
        if kind is not None and node_id:
            kinds[node_id] = kind
            element_names[node_id] = _local(child.tag)
    nodes = list(kinds)
    position = {n: i for i, n in enumerate(nodes)}
    flows = [
        _Flow(el.get("id", ""), el.get("sourceRef", ""), el.get("targetRef", ""))
        for el in process.findall(f"{{{BPMN}}}sequenceFlow")
    ]
    flows = [f for f in flows if f.id and f.source in kinds and f.target in kinds]
    has_incoming = {f.target for f in flows if f.source != f.target}
    starts = [n for n in nodes if element_names[n] == "startEvent"] + [
        n for n in nodes if n not in has_incoming
    ]
    links = [f for f in flows if f.source != f.target]
    back = _back_flows(nodes, starts, links)
    # each link as an edge of the acyclic graph (lower column first)
    dag = [(f.target, f.source) if i in back else (f.source, f.target) for i, f in enumerate(links)]
    layer = _layers(nodes, dag)
    columns = max(layer.values(), default=-1) + 1

    # a bend point in every column a link crosses
    dummies: set[str] = set()
    chains: list[list[str]] = []
    for i, (a, b) in enumerate(dag):
        chain = [a]
        for col in range(layer[a] + 1, layer[b]):
            dummy = f"\0{i}:{col}"
            dummies.add(dummy)
            layer[dummy] = col
            chain.append(dummy)
        chains.append([*chain, b])
    down: dict[str, list[str]] = {n: [] for n in layer}
    up: dict[str, list[str]] = {n: [] for n in layer}
    for chain in chains:
        for a, b in pairwise(chain):
            down[a].append(b)
            up[b].append(a)

    # first order: start events first, then document order, bend points by their source
    initial: list[list[str]] = [[] for _ in range(columns)]
    for n in sorted(nodes, key=lambda n: (n not in starts, position[n])):
        initial[layer[n]].append(n)
    for chain in chains:
        for d in chain[1:-1]:
            initial[layer[d]].append(d)
    layers = _order(initial, down, up)

    width = {n: _SIZE[kinds[n]][0] if n in kinds else 0.0 for n in layer}
    height = {n: _SIZE[kinds[n]][1] if n in kinds else 0.0 for n in layer}
    centre_y = _place(layers, height, dummies, down, up)
    shift = top - min((centre_y[n] - height[n] / 2 for n in layer), default=top)
    if any(f.source == f.target for f in flows):
        shift += SELF_LOOP  # room for a loop above the top node
    centre_y = {n: y + shift for n, y in centre_y.items()}

    # ports: flows leave a column on the right of their lower-column end, enter on the left
    attached: dict[tuple[str, Side], list[tuple[float, int]]] = {}
    for i, chain in enumerate(chains):
        first, last = chain[0], chain[-1]
        attached.setdefault((first, "right"), []).append((centre_y[chain[1]], i))
        attached.setdefault((last, "left"), []).append((centre_y[chain[-2]], i))
    port_offset: dict[tuple[int, Side], float] = {}
    for (n, side), items in attached.items():
        spread = height[n] * (0.6 if kinds[n] == "rect" else 0.5)
        for k, (_, i) in enumerate(sorted(items)):
            port_offset[(i, side)] = spread * ((k + 1) / (len(items) + 1) - 0.5)

    def point_y(chain: list[str], at: int, i: int) -> float:
        n = chain[at]
        if n in dummies:
            return centre_y[n]
        return centre_y[n] + port_offset[(i, "right" if at == 0 else "left")]

    # vertical segments: one lane each in the gap after their column
    turns: dict[int, list[tuple[float, float, int, int]]] = {c: [] for c in range(columns)}
    for i, chain in enumerate(chains):
        for k in range(len(chain) - 1):
            y1, y2 = point_y(chain, k, i), point_y(chain, k + 1, i)
            if not math.isclose(y1, y2):
                turns[layer[chain[k]]].append((y1, y2, i, k))
    lane_x: dict[tuple[int, int], float] = {}
    left: list[float] = []
    x = MARGIN
    column_width = [0.0] * columns
    for n in nodes:
        column_width[layer[n]] = max(column_width[layer[n]], width[n])
    for c in range(columns):
        left.append(x)
        gap = max(MIN_GAP_X, LANE_X * (len(turns[c]) + 1))
        lanes = sorted(turns[c], key=lambda t: (min(t[0], t[1]), t[0] > t[1], t[2], t[3]))
        for k, (_, _, i, seg) in enumerate(lanes):
            lane_x[(i, seg)] = x + column_width[c] + gap * (k + 1) / (len(lanes) + 1)
        x += column_width[c] + gap

    boxes: dict[str, Box] = {}
    for n in nodes:
        cx = left[layer[n]] + column_width[layer[n]] / 2
        w, h = width[n], height[n]
        boxes[n] = Box(cx - w / 2, centre_y[n] - h / 2, w, h, kinds[n])

    waypoints: dict[str, list[tuple[float, float]]] = {}
    for i, (flow, chain) in enumerate(zip(links, chains, strict=True)):
        points = [boxes[chain[0]].port("right", port_offset[(i, "right")])]
        for k in range(len(chain) - 1):
            here = chain[k]
            y1, y2 = point_y(chain, k, i), point_y(chain, k + 1, i)
            if here in dummies:
                points.append((left[layer[here]], y1))
                points.append((left[layer[here]] + column_width[layer[here]], y1))
            if (i, k) in lane_x:
                points.append((lane_x[(i, k)], y1))
                points.append((lane_x[(i, k)], y2))
        points.append(boxes[chain[-1]].port("left", port_offset[(i, "left")]))
        points = _simplify(points)
        waypoints[flow.id] = points[::-1] if i in back else points
    for flow in flows:
        if flow.source == flow.target:
            box = boxes[flow.source]
            dx = box.width / 4
            start, end = box.port("top", dx), box.port("top", -dx)
            above = box.y - SELF_LOOP
            waypoints[flow.id] = [start, (start[0], above), (end[0], above), end]
    return boxes, waypoints


def _simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop repeated points and the middle of three collinear ones (keeps both ends)."""
    out: list[tuple[float, float]] = []
    for p in points:
        if out and math.isclose(out[-1][0], p[0]) and math.isclose(out[-1][1], p[1]):
            continue
        if len(out) >= 2:
            (x0, y0), (x1, y1) = out[-2], out[-1]
            if math.isclose((x1 - x0) * (p[1] - y0), (y1 - y0) * (p[0] - x0), abs_tol=1e-9):
                out[-1] = p
                continue
        out.append(p)
    return out if len(out) >= 2 else [points[0], points[-1]]


def _num(value: float) -> str:
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else str(rounded)


def lay_out(document: bytes | str) -> bytes:
    """``document`` (BPMN 2.0 XML) with new BPMNDI: one diagram per process."""
    for prefix, uri in _PREFIXES.items():
        ET.register_namespace(prefix, uri)
    root = ET.fromstring(document)
    for diagram in root.findall(f"{{{BPMNDI}}}BPMNDiagram"):
        root.remove(diagram)
    taken = {el.get("id") for el in root.iter()}

    def new_id(base: str) -> str:
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate)
        return candidate

    for process in root.findall(f"{{{BPMN}}}process"):
        process_id = process.get("id") or new_id("Process")
        process.set("id", process_id)
        boxes, waypoints = _lay_out_process(process, MARGIN)
        diagram = ET.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id=new_id(f"{process_id}_di"))
        plane = ET.SubElement(
            diagram,
            f"{{{BPMNDI}}}BPMNPlane",
            id=new_id(f"{process_id}_plane"),
            bpmnElement=process_id,
        )
        markers = {el.get("id") for el in process.findall(f"{{{BPMN}}}exclusiveGateway")}
        for node_id, box in boxes.items():
            shape = ET.SubElement(
                plane, f"{{{BPMNDI}}}BPMNShape", id=new_id(f"{node_id}_di"), bpmnElement=node_id
            )
            if node_id in markers:
                shape.set("isMarkerVisible", "true")
            ET.SubElement(
                shape,
                f"{{{DC}}}Bounds",
                x=_num(box.x),
                y=_num(box.y),
                width=_num(box.width),
                height=_num(box.height),
            )
        for flow_id, points in waypoints.items():
            edge = ET.SubElement(
                plane, f"{{{BPMNDI}}}BPMNEdge", id=new_id(f"{flow_id}_di"), bpmnElement=flow_id
            )
            for px, py in points:
                ET.SubElement(edge, f"{{{DI}}}waypoint", x=_num(px), y=_num(py))
    ET.indent(root, space="  ")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def lay_out_file(path: Path) -> None:
    """Rewrite the BPMN file at ``path`` with a layout (see :func:`lay_out`)."""
    path.write_bytes(lay_out(path.read_bytes()) + b"\n")
