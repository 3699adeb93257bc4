"""The report's charts as SVG geometry: the stage funnel and the findings' weekly trends.

Only numbers are computed here; the template draws them (and escapes every label), so a chart
needs no script, no library to inline and nothing from the network, and prints as it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

FUNNEL_WIDTH = 640
FUNNEL_LABEL = 150
FUNNEL_BAR = 30
FUNNEL_GAP = 10


@dataclass(frozen=True)
class FunnelBar:
    label: str
    journeys: int
    overall: float | None
    relative: float | None
    y: float
    width: float
    x: float


@dataclass(frozen=True)
class Funnel:
    bars: tuple[FunnelBar, ...]
    width: int
    height: int
    label_width: int
    bar_height: int
    # the stage with the lowest conversion from the one before: usually the biggest opportunity
    weakest: str | None


def funnel(stages: Sequence[dict[str, Any]]) -> Funnel:
    """Centred bars, one per stage, as wide as the journeys that reached it."""
    top = max((int(s["journeys_reached"]) for s in stages), default=0) or 1
    room = FUNNEL_WIDTH - FUNNEL_LABEL - 160
    bars = []
    for i, s in enumerate(stages):
        w = max(2.0, room * int(s["journeys_reached"]) / top)
        bars.append(
            FunnelBar(
                label=str(s["label"] or s["stage"]),
                journeys=int(s["journeys_reached"]),
                overall=s["overall_conversion_rate"],
                relative=s["relative_conversion_rate"],
                y=i * (FUNNEL_BAR + FUNNEL_GAP),
                width=round(w, 1),
                x=round(FUNNEL_LABEL + (room - w) / 2, 1),
            )
        )
    relative = [b for b in bars if b.relative is not None]
    weakest = min(relative, key=lambda b: b.relative or 0.0).label if relative else None
    height = len(bars) * (FUNNEL_BAR + FUNNEL_GAP)
    return Funnel(tuple(bars), FUNNEL_WIDTH, height, FUNNEL_LABEL, FUNNEL_BAR, weakest)


SPARK_W, SPARK_H, SPARK_PAD = 180, 40, 3


@dataclass(frozen=True)
class Spark:
    points: str  # SVG polyline points
    threshold_y: float | None
    first_week: date
    last_week: date
    low: float
    high: float
    last_rate: float
    weeks: int
    width: int = SPARK_W
    height: int = SPARK_H


def spark(weeks: Sequence[tuple[date, float]], threshold: float | None = None) -> Spark | None:
    """A small line of a weekly rate (0..1), scaled to its own range and the threshold."""
    series = [(w, r) for w, r in weeks if r is not None]
    if len(series) < 2:
        return None
    values = [r for _, r in series] + ([threshold] if threshold is not None else [])
    low, high = min(values), max(values)
    span = (high - low) or 1.0

    def y(v: float) -> float:
        return round(SPARK_H - SPARK_PAD - (SPARK_H - 2 * SPARK_PAD) * (v - low) / span, 1)

    step = (SPARK_W - 2 * SPARK_PAD) / (len(series) - 1)
    points = " ".join(f"{round(SPARK_PAD + i * step, 1)},{y(r)}" for i, (_, r) in enumerate(series))
    return Spark(
        points=points,
        threshold_y=None if threshold is None else y(threshold),
        first_week=series[0][0],
        last_week=series[-1][0],
        low=min(r for _, r in series),
        high=max(r for _, r in series),
        last_rate=series[-1][1],
        weeks=len(series),
    )
