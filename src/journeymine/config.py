"""The run configuration (``journeymine.yaml``), validated once at the edge.

A mistake is reported with the file, the key path, what was found and what is allowed; the
rest of the code trusts the typed objects.
"""

from __future__ import annotations

import codecs
import os
from functools import cache
from pathlib import Path
from typing import Any, Literal

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from journeymine.errors import ConfigError
from journeymine.yamlpos import key_lines, line_of

Channel = Literal["web", "social", "chat"]
Format = Literal["csv", "jsonl", "parquet"]

# The unified fields a source maps its columns (or JSON paths) onto.
FieldName = Literal[
    "event_id",
    "occurred_at",
    "event_name",
    "session_id",
    "cookie_id",
    "user_id",
    "email",
    "phone",
    "handle",
    "click_id",
    "ip",
    "url",
    "referrer",
    "user_agent",
    "text",
    "intent",
    "interaction",
    "csat",
]
FIELDS: tuple[FieldName, ...] = FieldName.__args__  # type: ignore[attr-defined]
REQUIRED_FIELDS: tuple[FieldName, ...] = ("occurred_at", "event_name")
# Fields that tie an event to a person; at least one must be mapped, and a record needs one.
IDENTIFIER_FIELDS: tuple[FieldName, ...] = (
    "user_id",
    "email",
    "cookie_id",
    "click_id",
    "handle",
    "phone",
    "session_id",
)
# Fields whose raw values never reach analyst-facing tables: in a quarantined record, their
# values are masked whatever their type.
PII_FIELDS: tuple[FieldName, ...] = (*IDENTIFIER_FIELDS, "ip", "user_agent")

_NAME = r"^[a-z][a-z0-9_]*$"


@cache
def _regex_engine() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config={"autoinstall_known_extensions": False})


def _check_re2(pattern: str) -> None:
    """Validate a pattern with the engine that will run it: DuckDB's RE2, not Python's ``re``
    (RE2 has no lookarounds or backreferences, which ``re`` would accept)."""
    try:
        _regex_engine().execute("select regexp_matches('', ?)", [pattern]).fetchall()
    except duckdb.Error as exc:
        detail = str(exc).removeprefix("Invalid Input Error: ")
        raise ValueError(
            f"not a regular expression DuckDB (RE2 syntax) accepts: {detail}; lookarounds "
            "and backreferences are not supported"
        ) from exc


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TouchpointRule(_Strict):
    """Maps matching raw events to a touchpoint id; all given conditions must hold.

    ``touchpoint: null`` keeps matching events without making them journey steps (chat
    messages, social comments).
    """

    touchpoint: str | None
    event_name: str | None = None
    url_path: str | None = Field(default=None, description="regular expression on the URL path")
    intent: str | None = None
    interaction: str | None = None

    @field_validator("url_path")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            _check_re2(value)
        return value

    @model_validator(mode="after")
    def _has_condition(self) -> TouchpointRule:
        if not any((self.event_name, self.url_path, self.intent, self.interaction)):
            raise ValueError(
                "a rule needs at least one condition: event_name, url_path, intent or interaction"
            )
        return self


class Source(_Strict):
    """One kind of export: where its files are and how to read them."""

    name: str = Field(pattern=_NAME)
    channel: Channel
    path: str = Field(description="glob of input files, relative to the configuration file")
    format: Format
    encoding: str = "utf-8"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    multiline_values: bool = Field(
        default=False,
        description="CSV: quoted values may span lines (then an unterminated quote swallows "
        "the lines after it); by default one line is one record",
    )
    timestamp_format: str = Field(
        default="iso8601",
        description="iso8601, epoch_s, epoch_ms or a strptime pattern such as %d/%m/%Y %H:%M",
    )
    timezone: str = Field(default="UTC", description="zone of timestamps that carry no offset")
    fields: dict[FieldName, str]
    attributes: list[str] = Field(default_factory=list)
    click_id_url_param: str | None = Field(
        default=None, description="URL query parameter that carries a social click id"
    )
    phone_region: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}$",
        description="country (ISO 3166 code such as GB) in which phone numbers written without "
        "a country code are read, so that 020 7946 0958 and +44 20 7946 0958 are one person",
    )
    touchpoints: list[TouchpointRule] = Field(min_length=1)
    unmatched: Literal["quarantine", "keep"] = "quarantine"

    @field_validator("path")
    @classmethod
    def _stays_inside(cls, value: str) -> str:
        """A relative glob may not climb out of the configuration's folder: reading files
        elsewhere takes an explicit absolute path."""
        if not Path(value).is_absolute() and os.path.normpath(value).split(os.sep)[0] == "..":
            raise ValueError(
                "leads out of the configuration's folder; write an absolute path to read "
                "files elsewhere"
            )
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError as exc:
            raise ValueError(
                "unknown encoding; use a Python codec name such as utf-8, latin-1, cp1252"
            ) from exc
        return value

    @model_validator(mode="after")
    def _fields_complete(self) -> Source:
        missing = [f for f in REQUIRED_FIELDS if f not in self.fields]
        if missing:
            raise ValueError(
                f"fields must map {', '.join(missing)} (required: {', '.join(REQUIRED_FIELDS)})"
            )
        if not any(f in self.fields for f in IDENTIFIER_FIELDS) and not self.click_id_url_param:
            raise ValueError(
                "fields must map at least one identifier: " + ", ".join(IDENTIFIER_FIELDS)
            )
        return self

    def columns(self) -> list[str]:
        """Every source column (or JSON path) the source reads, mapped fields first."""
        seen: dict[str, None] = dict.fromkeys(self.fields.values())
        seen.update(dict.fromkeys(self.attributes))
        return list(seen)


class Pii(_Strict):
    secret_env: str = "JOURNEYMINE_PII_SECRET"
    allow_development_secret: bool = False


# The segment value of journeys whose events never carried the attribute (int_journey_segments).
UNKNOWN_SEGMENT_VALUE = "(none)"


class Journeys(_Strict):
    """How events become journeys."""

    inactivity_gap_hours: float = Field(
        default=168,
        gt=0,
        description="a journey ends after this long without a touchpoint event (default 7 days)",
    )
    end_at_goal: bool = False
    collapse_repeats: bool = True
    segment_attributes: list[str] = Field(
        default_factory=list, description="event attributes to break every metric down by"
    )


class Mining(_Strict):
    noise_threshold: float = Field(default=0.2, ge=0, le=1, description="inductive miner")
    rare_share: float = Field(
        default=0.01, ge=0, le=1, description="a designed transition under this share is rare"
    )
    min_journeys: int = Field(
        default=30, ge=1, description="a rate is judged only over at least this many journeys"
    )
    min_journeys_unvisited: int = Field(
        default=100, ge=1, description="journeys needed before an unvisited touchpoint is flagged"
    )
    false_discovery_rate: float = Field(
        default=0.05,
        gt=0,
        lt=1,
        description="Benjamini-Hochberg: the share of false findings tolerated among the flags",
    )
    min_lost_goal_completions: float = Field(
        default=1.0,
        ge=0,
        description="a practical effect: a finding must cost at least this many goal completions",
    )
    dead_end_relative_goal_rate: float = Field(
        default=1 / 3,
        gt=0,
        le=1,
        description="a dead end converts at most this share of its stage's other journeys' rate",
    )
    max_cycle_length: int = Field(
        default=6, ge=2, le=50, description="longest rework cycle looked for, in touchpoints"
    )


class Periods(_Strict):
    """Time: history per period, and the search for regressions and improvements."""

    baseline_weeks: int = Field(
        default=4,
        ge=1,
        le=52,
        description="a day is compared with the same weekday of this many weeks before it",
    )
    screening_p_value: float = Field(
        default=0.001,
        gt=0,
        lt=1,
        description="a day this unlikely under its baseline opens a candidate change (which "
        "lasts while its days look more like it than like the baseline); each candidate is then "
        "tested as a whole, under the run's false discovery rate",
    )
    min_days: int = Field(
        default=2,
        ge=1,
        description="a change lasts at least this many days with journeys (a one-day blip in "
        "small daily counts is too often noise)",
    )
    min_rate_change: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="a practical effect: the smallest change of a rate worth a flag",
    )


class Config(_Strict):
    """A validated ``journeymine.yaml``; relative paths are resolved against its folder."""

    warehouse: Path = Path("data/warehouse/journeymine.duckdb")
    memory_limit: str | None = Field(
        default=None,
        pattern=r"^[0-9]+(\.[0-9]+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB's memory limit, such as 8GB (default: half the machine's memory)",
    )
    parallel_loads: int = Field(
        default=2,
        ge=1,
        le=16,
        description="sources loaded at once, each on its own connection (1: one after the other)",
    )
    map: Path | None = Field(default=None, description="the designed journey map (YAML or BPMN)")
    outputs: Path = Field(default=Path("out"), description="folder for exported models")
    reports: Path = Field(
        default=Path("reports"),
        description="folder of the drop-off reports: one reports/<run date>/ per run",
    )
    pii: Pii = Pii()
    journeys: Journeys = Journeys()
    mining: Mining = Mining()
    periods: Periods = Periods()
    sources: list[Source] = Field(min_length=1)
    base_dir: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _unique_sources(self) -> Config:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique; repeated: {', '.join(dupes)}")
        return self

    def resolve(self, path: Path | str) -> Path:
        """``path`` relative to the configuration's folder (``..`` folded away)."""
        p = Path(path)
        return p if p.is_absolute() else Path(os.path.normpath(self.base_dir / p))

    @property
    def warehouse_path(self) -> Path:
        return self.resolve(self.warehouse)

    @property
    def map_path(self) -> Path | None:
        return None if self.map is None else self.resolve(self.map)

    @property
    def outputs_path(self) -> Path:
        return self.resolve(self.outputs)

    @property
    def reports_path(self) -> Path:
        return self.resolve(self.reports)

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        raise ConfigError(
            f"no source named {name!r}; known: {', '.join(x.name for x in self.sources)}"
        )


def _key_path(raw: Any, loc: tuple[int | str, ...]) -> str:
    """``sources[web].fields.occurred_at`` from a pydantic location, naming list items."""
    parts: list[str] = []
    node = raw
    for item in loc:
        if isinstance(item, int):
            name = (
                node[item].get("name")
                if isinstance(node, list) and isinstance(node[item], dict)
                else None
            )
            parts[-1] += f"[{name}]" if name else f"[{item}]"
            node = node[item] if isinstance(node, list) and item < len(node) else None
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def format_validation_error(
    path: Path | str, raw: Any, exc: ValidationError, text: str = ""
) -> str:
    """Each problem with its line (when the YAML text is given), key path and found value."""
    positions = key_lines(text)
    lines = [f"{path}: invalid configuration ({exc.error_count()} problem(s))"]
    for err in exc.errors():
        loc = tuple(x for x in err["loc"] if not str(x).startswith("function-after"))
        found = err.get("input")
        shown = "" if isinstance(found, dict | list) else f" (found {found!r})"
        line = line_of(positions, tuple(x for x in loc if x != "[key]"))
        where = f"line {line}, " if line else ""
        lines.append(f"  {where}{_key_path(raw, loc)}: {err['msg']}{shown}")
    return "\n".join(lines)


def load_yaml(path: Path | str) -> Any:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        raise ConfigError(f"{p}:{where} not valid YAML: {getattr(exc, 'problem', exc)}") from exc


def load_config(path: Path | str) -> Config:
    """Read and validate a configuration file."""
    p = Path(path)
    raw = load_yaml(p)
    if not isinstance(raw, dict):
        raise ConfigError(f"{p}: expected a mapping of settings, found {type(raw).__name__}")
    try:
        return Config.model_validate({**raw, "base_dir": p.resolve().parent})
    except ValidationError as exc:
        text = p.read_text(encoding="utf-8")
        raise ConfigError(format_validation_error(p, raw, exc, text)) from exc
