"""The journey map as people draw it, with reality on top, as SVG geometry.

Stages are columns, channels are swimlanes, each touchpoint sits in its cell. The observed
flows are drawn over the designed ones: width by journeys; designed moves nobody took faint;
undesigned moves in another colour and dashed. Flagged touchpoints carry their findings'
ranks. Under the lanes, the emotion lane holds each stage's designed emotion beside what the
data says. Only geometry and numbers are computed here; the template writes the text (escaped).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LANES = ("web", "social", "chat")  # the usual order; other channels follow
GUTTER = 90  # the lane names
COLUMN = 200
HEADER = 34
NODE_W, NODE_H, NODE_GAP = 160, 50, 16
LANE_PAD = 14
EMOTION_H = 118
MAX_FLOW = 10.0


@dataclass(frozen=True)
class Node:
    touchpoint: str
    label: str
    x: float
    y: float
    journeys: int | None
    drop_off_rate: float | None
    goal_rate: float | None
    is_goal: bool
    is_entry: bool
    flags: tuple[int, ...]  # ranks of the findings located here
    flag_text: str  # the findings in words (the node's tooltip and the legend)
    w: int = NODE_W
    h: int = NODE_H

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Flow:
    source: str
    target: str
    journeys: int
    kind: str  # designed, unused (designed, never taken) or undesigned
    d: str  # SVG path
    width: float


@dataclass(frozen=True)
class Lane:
    channel: str
    y: float
    h: float


@dataclass(frozen=True)
class Column:
    stage: str
    label: str
    x: float
    emotion: Mapping[str, Any]


@dataclass(frozen=True)
class JourneyMapDrawing:
    width: float
    height: float
    columns: tuple[Column, ...]
    lanes: tuple[Lane, ...]
    nodes: tuple[Node, ...]
    flows: tuple[Flow, ...]
    emotion_y: float
    # observed moves to or from a touchpoint the map lacks: not drawn, counted
    off_map_flows: int = 0
    column_width: int = COLUMN
    gutter: int = GUTTER
    header: int = HEADER
    emotion_h: int = EMOTION_H
    counts: dict[str, int] = field(default_factory=dict)


def draw(
    stages: Sequence[Mapping[str, Any]],
    touchpoints: Sequence[Mapping[str, Any]],
    stats: Mapping[str, Mapping[str, Any]],
    flows: Sequence[Mapping[str, Any]],
    flags_at: Mapping[str, Sequence[tuple[int, str]]],
    emotion: Mapping[str, Mapping[str, Any]],
) -> JourneyMapDrawing:
    """Lay the map out. ``stats`` and ``emotion`` by touchpoint and stage; ``flags_at``:
    touchpoint -> [(rank, finding in words)]."""
    order = {s["stage"]: i for i, s in enumerate(stages)}
    seen = {t["channel"] for t in touchpoints}
    channels = [c for c in LANES if c in seen] + sorted(seen - set(LANES))
    cells: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for t in touchpoints:
        cells.setdefault((t["stage"], t["channel"]), []).append(t)
    lanes: list[Lane] = []
    y = float(HEADER)
    for channel in channels:
        deepest = max((len(v) for (_, c), v in cells.items() if c == channel), default=1)
        h = 2 * LANE_PAD + deepest * NODE_H + (deepest - 1) * NODE_GAP
        lanes.append(Lane(channel, y, h))
        y += h
    lane_y = {lane.channel: lane.y for lane in lanes}
    nodes: dict[str, Node] = {}
    for (stage, channel), members in cells.items():
        x = GUTTER + order[stage] * COLUMN + (COLUMN - NODE_W) / 2
        for i, t in enumerate(members):
            s = stats.get(t["touchpoint"], {})
            here = flags_at.get(t["touchpoint"], ())
            nodes[t["touchpoint"]] = Node(
                touchpoint=t["touchpoint"],
                label=str(t["label"] or t["touchpoint"]),
                x=x,
                y=lane_y[channel] + LANE_PAD + i * (NODE_H + NODE_GAP),
                journeys=s.get("journeys"),
                drop_off_rate=s.get("drop_off_rate"),
                goal_rate=s.get("goal_rate"),
                is_goal=bool(t["is_goal"]),
                is_entry=bool(t["is_entry"]),
                flags=tuple(r for r, _ in here),
                flag_text="; ".join(f"#{r}: {text}" for r, text in here),
            )
    busiest = max((int(f["journeys"]) for f in flows), default=0) or 1
    drawn: list[Flow] = []
    off_map = 0
    for f in flows:
        a, b = nodes.get(f["from_touchpoint"]), nodes.get(f["to_touchpoint"])
        if a is None or b is None:
            off_map += 1
            continue
        journeys = int(f["journeys"])
        kind = "unused" if journeys == 0 else ("designed" if f["designed"] else "undesigned")
        width = (
            1.0 if journeys == 0 else round(1 + (MAX_FLOW - 1) * math.sqrt(journeys / busiest), 1)
        )
        drawn.append(Flow(a.touchpoint, b.touchpoint, journeys, kind, _path(a, b), width))
    # thick flows first, so thin ones stay visible on top; unused ones at the very bottom
    drawn.sort(key=lambda f: (f.kind != "unused", -f.width))
    columns = tuple(
        Column(
            s["stage"],
            str(s["label"] or s["stage"]),
            GUTTER + i * COLUMN,
            emotion.get(s["stage"], {}),
        )
        for i, s in enumerate(stages)
    )
    counts = {k: sum(1 for f in drawn if f.kind == k) for k in ("designed", "unused", "undesigned")}
    return JourneyMapDrawing(
        width=GUTTER + len(stages) * COLUMN + 10,
        height=y + EMOTION_H + 6,
        columns=columns,
        lanes=tuple(lanes),
        nodes=tuple(nodes.values()),
        flows=tuple(drawn),
        emotion_y=y,
        off_map_flows=off_map,
        counts=counts,
    )


def _path(a: Node, b: Node) -> str:
    """A curve from a to b: forward out of a's right side into b's left side; within a
    column, a bulge to the right; backwards, an arc over the top."""
    if b.x > a.x + 1:
        x1, y1, x2, y2 = a.x + a.w, a.cy, b.x, b.cy
        dx = (x2 - x1) / 2
        return (
            f"M{x1:.1f},{y1:.1f} C{x1 + dx:.1f},{y1:.1f} {x2 - dx:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
        )
    if abs(b.x - a.x) <= 1:
        x1, y1, x2, y2 = a.x + a.w, a.cy + 8, b.x + b.w, b.cy - 8
        bulge = 22 + abs(y2 - y1) / 6
        return (
            f"M{x1:.1f},{y1:.1f} C{x1 + bulge:.1f},{y1:.1f} {x2 + bulge:.1f},{y2:.1f} "
            f"{x2:.1f},{y2:.1f}"
        )
    x1, y1, x2, y2 = a.cx - 12, a.y, b.cx + 12, b.y
    lift = 26 + abs(x1 - x2) / 10
    top = min(y1, y2) - lift
    return f"M{x1:.1f},{y1:.1f} C{x1:.1f},{top:.1f} {x2:.1f},{top:.1f} {x2:.1f},{y2:.1f}"
