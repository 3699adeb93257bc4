"""The designed journey map: what the company intends, validated once and resolved.

A map file (YAML) declares ordered stages, touchpoints (id, label, stage, channel), the
intended transitions (``stage:<id>`` stands for every touchpoint of a stage), entry and goal
touchpoints, optional personas and expected emotions, and optional targets that flags are
judged against. Every mistake is reported with the file, the line and the key path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import yaml
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, model_validator

from journeymine.config import Channel, load_yaml
from journeymine.errors import ConfigError, MapError
from journeymine.yamlpos import key_lines, line_of

_ID = r"^[a-z][a-z0-9_]*$"
STAGE_PREFIX = "stage:"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class StageSpec(_Strict):
    id: str = Field(pattern=_ID)
    label: str | None = None
    emotion: str | None = Field(default=None, description="expected emotion at this stage")


class TouchpointSpec(_Strict):
    id: str = Field(pattern=_ID)
    label: str | None = None
    stage: str
    channel: Channel


class TransitionSpec(_Strict):
    source: str | list[str] = Field(alias="from")
    target: str | list[str] = Field(alias="to")
    back: bool = Field(default=False, description="intended move to an earlier stage")


class PersonaSpec(_Strict):
    """A named segment; a journey belongs to the first persona whose conditions all hold."""

    id: str = Field(pattern=_ID)
    label: str | None = None
    entry_channel: Channel | None = None
    entry_touchpoint: str | None = None
    visits: str | None = Field(default=None, description="a touchpoint the journey visits")
    returning: bool | None = Field(default=None, description="the customer had a journey before")
    attribute: str | None = Field(default=None, description="an event attribute, with equals")
    equals: str | None = None

    @model_validator(mode="after")
    def _attribute_pair(self) -> PersonaSpec:
        if (self.attribute is None) != (self.equals is None):
            raise ValueError(
                "attribute and equals go together: the journey has an event whose "
                "attribute equals the value"
            )
        return self


class TargetSpec(_Strict):
    """What counts as healthy. A flag is raised only when a rate's 95% interval clears it."""

    # max_drop_off, its former name, is still accepted
    max_drop_off_rate: float | None = Field(
        default=None,
        ge=0,
        le=1,
        validation_alias=AliasChoices("max_drop_off_rate", "max_drop_off"),
    )
    dead_end_goal_rate: float | None = Field(default=None, ge=0, le=1)
    max_loop_rate: float | None = Field(default=None, ge=0, le=1)
    max_undesigned_share: float | None = Field(default=None, ge=0, le=1)


class TargetsSpec(_Strict):
    defaults: TargetSpec = TargetSpec()
    stages: dict[str, TargetSpec] = Field(default_factory=dict)
    touchpoints: dict[str, TargetSpec] = Field(default_factory=dict)


class MapSpec(_Strict):
    name: str = "journey map"
    stages: list[StageSpec] = Field(min_length=1)
    touchpoints: list[TouchpointSpec] = Field(min_length=1)
    transitions: list[TransitionSpec] = Field(min_length=1)
    entries: list[str] = Field(min_length=1)
    goals: list[str] = Field(min_length=1)
    personas: list[PersonaSpec] = Field(default_factory=list)
    targets: TargetsSpec = TargetsSpec()


# Used where neither the map's touchpoint, stage nor defaults set a target.
BUILTIN_TARGETS = {
    "max_drop_off_rate": 0.5,
    "dead_end_goal_rate": 0.1,
    "max_loop_rate": 0.03,
    "max_undesigned_share": 0.02,
}


@dataclass(frozen=True)
class Touchpoint:
    id: str
    label: str
    stage: str
    stage_order: int
    channel: str
    is_entry: bool
    is_goal: bool


@dataclass(frozen=True)
class Stage:
    id: str
    label: str
    order: int
    emotion: str | None


@dataclass(frozen=True)
class JourneyMap:
    """A validated map: everything resolved to touchpoint ids."""

    name: str
    stages: tuple[Stage, ...]
    touchpoints: dict[str, Touchpoint]
    transitions: frozenset[tuple[str, str]]
    personas: tuple[PersonaSpec, ...] = ()
    targets: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per touchpoint: each target, resolved (touchpoint, then stage, then defaults)."""

    @property
    def entries(self) -> list[str]:
        return [t.id for t in self.touchpoints.values() if t.is_entry]

    @property
    def goals(self) -> list[str]:
        return [t.id for t in self.touchpoints.values() if t.is_goal]

    def graph(self) -> nx.DiGraph:
        """The designed map as a directed graph of touchpoints."""
        g = nx.DiGraph()
        g.add_nodes_from(self.touchpoints)
        g.add_edges_from(self.transitions)
        return g

    def successors(self, touchpoint: str) -> set[str]:
        return {b for a, b in self.transitions if a == touchpoint}


class _Problems:
    """Collects errors with their key path and line, and raises them together."""

    def __init__(self, path: Path | str, text: str) -> None:
        self.path = path
        self.lines = key_lines(text)
        self.items: list[str] = []

    def add(self, key: tuple[str | int, ...], message: str) -> None:
        line = line_of(self.lines, key)
        where = f"line {line}, " if line else ""
        shown = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in key).lstrip(".")
        self.items.append(f"  {where}{shown or '(top level)'}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            raise MapError(
                f"{self.path}: invalid journey map ({len(self.items)} problem(s))\n"
                + "\n".join(self.items)
            )


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _resolve(spec: MapSpec, problems: _Problems) -> JourneyMap:
    stage_order: dict[str, int] = {}
    for i, stage in enumerate(spec.stages):
        if stage.id in stage_order:
            problems.add(("stages", i, "id"), f"duplicate stage id {stage.id!r}")
        stage_order.setdefault(stage.id, i + 1)
    seen: dict[str, int] = {}
    for i, tp in enumerate(spec.touchpoints):
        if tp.id in seen:
            problems.add(
                ("touchpoints", i, "id"),
                f"duplicate touchpoint id {tp.id!r} (first at touchpoints[{seen[tp.id]}])",
            )
        seen.setdefault(tp.id, i)
        if tp.stage not in stage_order:
            problems.add(
                ("touchpoints", i, "stage"),
                f"unknown stage {tp.stage!r}; stages are: {', '.join(stage_order)}",
            )
    known = ", ".join(seen)
    by_stage: dict[str, list[str]] = {}
    for tp in spec.touchpoints:
        by_stage.setdefault(tp.stage, []).append(tp.id)

    def expand(token: str, key: tuple[str | int, ...]) -> list[str]:
        if token.startswith(STAGE_PREFIX):
            stage = token.removeprefix(STAGE_PREFIX)
            if stage not in stage_order:
                problems.add(key, f"unknown stage {stage!r}; stages are: {', '.join(stage_order)}")
                return []
            return by_stage.get(stage, [])
        if token not in seen:
            problems.add(key, f"unknown touchpoint {token!r}; touchpoints are: {known}")
            return []
        return [token]

    stage_of = {tp.id: tp.stage for tp in spec.touchpoints}
    transitions: set[tuple[str, str]] = set()
    for i, tr in enumerate(spec.transitions):
        sources = [s for tok in _listed(tr.source) for s in expand(tok, ("transitions", i, "from"))]
        targets = [t for tok in _listed(tr.target) for t in expand(tok, ("transitions", i, "to"))]
        for a in sources:
            for b in targets:
                if a == b:
                    continue
                back = stage_order.get(stage_of[b], 0) < stage_order.get(stage_of[a], 0)
                if back and not tr.back:
                    problems.add(
                        ("transitions", i),
                        f"{a!r} ({stage_of[a]}) -> {b!r} ({stage_of[b]}) goes back to an earlier "
                        "stage: stages are ordered; set back: true if the map intends it",
                    )
                transitions.add((a, b))
    for key in ("entries", "goals"):
        for i, tp_id in enumerate(getattr(spec, key)):
            if tp_id not in seen:
                problems.add((key, i), f"unknown touchpoint {tp_id!r}; touchpoints are: {known}")
    persona_ids: set[str] = set()
    for i, persona in enumerate(spec.personas):
        if persona.id in persona_ids:
            problems.add(("personas", i, "id"), f"duplicate persona id {persona.id!r}")
        persona_ids.add(persona.id)
        for attr in ("entry_touchpoint", "visits"):
            value = getattr(persona, attr)
            if value is not None and value not in seen:
                problems.add(("personas", i, attr), f"unknown touchpoint {value!r}")
    for name in spec.targets.stages:
        if name not in stage_order:
            problems.add(("targets", "stages", name), f"unknown stage {name!r}")
    for name in spec.targets.touchpoints:
        if name not in seen:
            problems.add(("targets", "touchpoints", name), f"unknown touchpoint {name!r}")
    problems.raise_if_any()

    entries, goals = set(spec.entries), set(spec.goals)
    touchpoints = {
        tp.id: Touchpoint(
            id=tp.id,
            label=tp.label or tp.id.replace("_", " "),
            stage=tp.stage,
            stage_order=stage_order[tp.stage],
            channel=tp.channel,
            is_entry=tp.id in entries,
            is_goal=tp.id in goals,
        )
        for tp in spec.touchpoints
    }
    journey_map = JourneyMap(
        name=spec.name,
        stages=tuple(
            Stage(s.id, s.label or s.id.replace("_", " "), stage_order[s.id], s.emotion)
            for s in spec.stages
        ),
        touchpoints=touchpoints,
        transitions=frozenset(transitions),
        personas=tuple(spec.personas),
        targets={tp.id: _targets_for(spec.targets, tp.id, tp.stage) for tp in spec.touchpoints},
    )
    graph = journey_map.graph()
    for i, goal in enumerate(spec.goals):
        if not any(nx.has_path(graph, entry, goal) for entry in spec.entries):
            problems.add(
                ("goals", i),
                f"goal {goal!r} is unreachable from every entry ({', '.join(spec.entries)})",
            )
    problems.raise_if_any()
    return journey_map


def _targets_for(targets: TargetsSpec, touchpoint: str, stage: str) -> dict[str, float]:
    layers = [targets.touchpoints.get(touchpoint), targets.stages.get(stage), targets.defaults]
    resolved: dict[str, float] = {}
    for name, builtin in BUILTIN_TARGETS.items():
        values = [getattr(layer, name) for layer in layers if layer is not None]
        resolved[name] = next((v for v in values if v is not None), builtin)
    return resolved


def parse_map(raw: Any, path: Path | str, text: str = "") -> JourneyMap:
    """Validate an already-parsed map document."""
    problems = _Problems(path, text)
    if not isinstance(raw, dict):
        raise MapError(
            f"{path}: expected a mapping (stages, touchpoints, …), found {type(raw).__name__}"
        )
    try:
        spec = MapSpec.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(x for x in err["loc"] if not str(x).startswith("function-"))
            found = err.get("input")
            shown = "" if isinstance(found, dict | list) else f" (found {found!r})"
            problems.add(loc, f"{err['msg']}{shown}")
        problems.raise_if_any()
        raise  # pragma: no cover - raise_if_any always raises here
    return _resolve(spec, problems)


def load_map(path: Path | str) -> JourneyMap:
    """Read and validate a map: YAML, or BPMN 2.0 (``.bpmn``) drawn in a modeler."""
    p = Path(path)
    if p.suffix.lower() == ".bpmn":
        from journeymine.mine.pm4py_adapter import bpmn_to_map_document

        return parse_map(bpmn_to_map_document(p), p)
    text = p.read_text(encoding="utf-8") if p.is_file() else ""
    try:
        raw = load_yaml(p)
    except ConfigError as exc:  # the shared YAML reader speaks of configuration
        raise MapError(str(exc)) from exc
    return parse_map(raw, p, text)


def to_document(journey_map: JourneyMap) -> dict[str, Any]:
    """A resolved map back as a map document (one transition entry per designed move)."""
    return {
        "name": journey_map.name,
        "stages": [
            {"id": s.id, "label": s.label} | ({"emotion": s.emotion} if s.emotion else {})
            for s in journey_map.stages
        ],
        "touchpoints": [
            {"id": t.id, "label": t.label, "stage": t.stage, "channel": t.channel}
            for t in journey_map.touchpoints.values()
        ],
        "transitions": [{"from": a, "to": b} for a, b in sorted(journey_map.transitions)],
        "entries": journey_map.entries,
        "goals": journey_map.goals,
    }


def dump_map_document(document: dict[str, Any]) -> str:
    """A map document as YAML (used to show an imported BPMN map)."""
    return yaml.safe_dump(document, sort_keys=False)
