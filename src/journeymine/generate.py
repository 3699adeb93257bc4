"""A deterministic, seeded generator of realistic web, social and chat exports.

It simulates the sample brand's customers moving through touchpoints (a Markov chain per
step, vectorised over all journeys at once), then writes the three exports real teams have:
a web clickstream CSV (or Parquet), social interactions and live chat as JSON lines.

With ``stories=True`` (the default) it plants the deviations documented in
``data/sample/README.md`` and listed in ``STORY_TRUTH``: an abnormal drop-off at ``payment``,
a dead end at ``delivery_info``, a ``payment -> checkout`` back-and-forth loop, an
undesigned ``social_ad -> checkout`` shortcut, a ``checkout -> payment -> login`` rework cycle
on mobile only and a drop-off at ``cart`` for journeys entering from social only; and things
that look suspicious but are not findings (``NOT_FINDINGS``): browsing on after the order,
busy browsing pages that convert a little below their stage. Some states of the chain are
hidden (``HIDDEN``): a touchpoint visited in a situation with its own row, such as a login
after the session expired. With ``stories=False`` every move follows the designed map.

Whatever the stories, the web export writes whole-minute timestamps (its rows in the true
order), so consecutive events often tie; ``ground_truth.json`` counts the ties. Event ids are
opaque (their order is not the time order), as a collector's UUIDs are. With
``broken_rate > 0`` it adds broken records as extra rows (the journeys behind the good rows
stay intact). The ground truth is returned and written to ``ground_truth.json``.
"""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from journeymine import sql
from journeymine.errors import JourneymineError

Channel = Literal["web", "social", "chat"]

BASE_URL = "https://brightwheel.example"
START = datetime(2026, 9, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _Touchpoint:
    channel: Channel
    event_name: str  # web event, social interaction type or chat intent
    url_path: str = ""


# The sample brand, Brightwheel e-bikes: how each touchpoint shows up in its exports.
TOUCHPOINTS: dict[str, _Touchpoint] = {
    "social_ad": _Touchpoint("social", "ad_click"),
    "social_post": _Touchpoint("social", "post_click"),
    "blog": _Touchpoint("web", "page_view", "/blog/choosing-an-e-bike"),
    "home": _Touchpoint("web", "page_view", "/"),
    "product_list": _Touchpoint("web", "page_view", "/bikes"),
    "product_page": _Touchpoint("web", "page_view", "/bikes/{model}"),
    "compare": _Touchpoint("web", "page_view", "/compare"),
    "delivery_info": _Touchpoint("web", "page_view", "/help/delivery"),
    "chat_presales": _Touchpoint("chat", "product_question"),
    "cart": _Touchpoint("web", "add_to_cart", "/cart"),
    "login": _Touchpoint("web", "login", "/account/login"),
    "checkout": _Touchpoint("web", "checkout_started", "/checkout"),
    "payment": _Touchpoint("web", "page_view", "/checkout/payment"),
    "order_confirmed": _Touchpoint("web", "purchase", "/checkout/confirmation"),
    "account_setup": _Touchpoint("web", "page_view", "/account/setup"),
    "chat_support": _Touchpoint("chat", "setup_help"),
    "review": _Touchpoint("web", "review_submitted", "/reviews/new"),
    "referral": _Touchpoint("web", "referral_sent", "/refer"),
}

GOALS = ("order_confirmed", "referral")  # as the designed map has them
ENTRY = {"social_ad": 0.38, "social_post": 0.08, "blog": 0.20, "home": 0.34}

# Healthy behaviour: every move follows the designed map; the rest of each row is "leave".
CLEAN: dict[str, dict[str, float]] = {
    "social_ad": {"product_page": 0.75, "home": 0.10},
    "social_post": {"home": 0.45, "product_list": 0.35},
    "blog": {"product_list": 0.45, "product_page": 0.35},
    "home": {"product_list": 0.60, "blog": 0.10, "chat_presales": 0.08},
    "product_list": {"product_page": 0.75, "compare": 0.10},
    "product_page": {
        "cart": 0.35,
        "compare": 0.10,
        "chat_presales": 0.06,
        "delivery_info": 0.08,
        "product_list": 0.20,
    },
    "compare": {"product_page": 0.80},
    "delivery_info": {"cart": 0.50, "product_page": 0.35},
    "chat_presales": {"product_page": 0.50, "cart": 0.35},
    "cart": {"login": 0.30, "checkout": 0.60},
    "login": {"checkout": 0.90},
    "checkout": {"payment": 0.90},
    "payment": {"order_confirmed": 0.92},
    "order_confirmed": {"account_setup": 0.50},
    "account_setup": {"chat_support": 0.20, "review": 0.40},
    "chat_support": {"account_setup": 0.30, "review": 0.40},
    "review": {"referral": 0.50},
    "referral": {},
}

# Hidden states of the chain: a touchpoint visited in a particular situation, with a row of
# its own (a session that expired at payment, the checkout and payment retried after it,
# browsing on after the purchase). Each shows up in the exports as its touchpoint.
HIDDEN: dict[str, str] = {
    "login@session_expired": "login",
    "checkout@retry": "checkout",
    "payment@retry": "payment",
    "checkout@card_declined": "checkout",
    "checkout@deep_link": "checkout",
    "payment@deep_link": "payment",
    "payment@another_card": "payment",
    "product_page@browsing": "product_page",
    "product_page@after_goal": "product_page",
    "home@after_goal": "home",
}

# The planted stories: rows of the chain replaced when stories are on.
STORIES: dict[str, dict[str, float]] = {
    # abnormal drop-off at payment, and a payment -> checkout back-and-forth loop: the card
    # is declined, the customer goes back to checkout to change it and pays again, and few
    # of those second attempts go through
    "payment": {"order_confirmed": 0.50, "checkout@card_declined": 0.20},
    "checkout@card_declined": {"payment@another_card": 0.85},
    "payment@another_card": {"order_confirmed": 0.15, "checkout@card_declined": 0.10},
    # a dead end: the delivery information page (its delivery times put people off) is read
    # often, and almost nobody goes on from it
    "delivery_info": {"product_page": 0.01},
    # an undesigned shortcut: "buy now" ads deep-link straight to checkout; a quick visit,
    # so its session never expires (the mobile rework cycle below needs a long one)
    "social_ad": {"product_page": 0.54, "home": 0.06, "checkout@deep_link": 0.30},
    "checkout@deep_link": {"payment@deep_link": 0.90},
    "payment@deep_link": {"order_confirmed": 0.50, "checkout@card_declined": 0.20},
    # browsing pages that are not dead ends: many visits, most go on, and their goal rate is a
    # little below the others of their stage: people who read the blog or browse the whole
    # range are earlier in their decision, so the bike pages they go on to convert less
    "social_post": {"home": 0.30, "product_list": 0.50},
    "blog": {"product_list": 0.36, "product_page": 0.29},
    "home": {"product_list": 0.56, "blog": 0.10, "chat_presales": 0.12},
    "product_list": {"product_page@browsing": 0.64, "compare": 0.12},
    "product_page@browsing": {
        "cart": 0.34,
        "compare": 0.08,
        "chat_presales": 0.06,
        "delivery_info": 0.22,
        "product_list": 0.20,
    },
    "product_page": {
        "cart": 0.52,
        "compare": 0.08,
        "chat_presales": 0.06,
        "delivery_info": 0.15,
        "product_list": 0.14,
    },
    "chat_presales": {"product_page": 0.45, "cart": 0.42},
    # the cart converts well, except for journeys that entered from social (below); most
    # customers log in before checking out (on a phone fewer do, below)
    "cart": {"login": 0.60, "checkout": 0.39},
    # post-goal browsing: after the order some customers go on looking at bikes
    "order_confirmed": {
        "account_setup": 0.45,
        "product_page@after_goal": 0.12,
        "home@after_goal": 0.06,
    },
    "account_setup": {"chat_support": 0.30, "review": 0.40},
    "product_page@after_goal": {},
    "home@after_goal": {},
    # the mobile rework cycle (entered from payment on mobile only, below): the expired
    # session sends the customer to log in again, then checkout and payment once more, and
    # few of them complete the order
    "login@session_expired": {"checkout@retry": 0.85},
    "checkout@retry": {"payment@retry": 0.85},
    "payment@retry": {"order_confirmed": 0.10, "login@session_expired": 0.10},
}

DeviceType = Literal["desktop", "mobile", "tablet"]
DEVICES: dict[DeviceType, float] = {"desktop": 0.25, "mobile": 0.66, "tablet": 0.09}
ENTRY_CHANNELS = ("web", "social")

# Stories confined to one segment: rows replaced, on top of STORIES, for that segment only.
SEGMENT_STORIES: dict[tuple[str, str], dict[str, dict[str, float]]] = {
    # desktop buyers mostly log in before checking out (their browser remembers the password)
    ("device_type", "desktop"): {"cart": {"login": 0.70, "checkout": 0.29}},
    # on mobile the session expires at payment half the time (after a long visit, so never on
    # a deep-linked one): back to login, then checkout again. Segments that are mostly mobile
    # (social, web) cycle less than mobile itself: their desktop journeys log in and never cycle
    ("device_type", "mobile"): {
        "payment": {
            "order_confirmed": 0.26,
            "checkout@card_declined": 0.12,
            "login@session_expired": 0.50,
        },
        # phone buyers mostly check out as guests
        "cart": {"login": 0.30, "checkout": 0.69},
    },
    # journeys that enter from social put a bike in the cart on impulse and mostly leave it
    # there (and add to cart less often in the first place, so that over all journeys the
    # cart stays under its target)
    ("entry_channel", "social"): {
        "cart": {"login": 0.28, "checkout": 0.14},
        "product_page": {
            "cart": 0.30,
            "compare": 0.08,
            "chat_presales": 0.06,
            "delivery_info": 0.18,
            "product_list": 0.14,
        },
    },
}

# The ground truth, in ground_truth.json: each planted finding, and what looks suspicious but
# must not be flagged. ``touchpoint`` is where a finding is located (for a transition, the
# touchpoint it leaves); a ``cycle`` starts at the touchpoint the journey reaches first; an
# entry with ``consequence_of`` follows from another story (a true finding, not a separate
# one to recall).
Story = dict[str, object]
_MOBILE = {"key": "attribute:device_type", "value": "mobile"}
_SOCIAL = {"key": "entry_channel", "value": "social"}
STORY_TRUTH: list[Story] = [
    {"id": "drop_off:payment", "kind": "drop_off", "touchpoint": "payment", "segment": None},
    {"id": "dead_end:delivery_info", "kind": "dead_end", "touchpoint": "delivery_info",
     "segment": None},
    {"id": "loop:checkout-payment", "kind": "loop", "touchpoint": "payment",
     "cycle": ["checkout", "payment"], "from": "payment", "to": "checkout", "segment": None},
    {"id": "undesigned_transition:social_ad-checkout", "kind": "undesigned_transition",
     "touchpoint": "social_ad", "from": "social_ad", "to": "checkout", "segment": None},
    {"id": "rework_cycle:checkout-payment-login", "kind": "rework_cycle", "touchpoint": "payment",
     "cycle": ["checkout", "payment", "login"], "from": "payment", "to": "login",
     "segment": _MOBILE},
    {"id": "drop_off:cart@social", "kind": "drop_off", "touchpoint": "cart", "segment": _SOCIAL},
    # consequences: true findings that follow from the stories above
    {"id": "drop_off:delivery_info", "kind": "drop_off", "touchpoint": "delivery_info",
     "segment": None, "consequence_of": "dead_end:delivery_info"},
    {"id": "undesigned_transition:payment-checkout", "kind": "undesigned_transition",
     "touchpoint": "payment", "from": "payment", "to": "checkout", "segment": None,
     "consequence_of": "loop:checkout-payment"},
    {"id": "undesigned_transition:payment-login", "kind": "undesigned_transition",
     "touchpoint": "payment", "from": "payment", "to": "login", "segment": _MOBILE,
     "consequence_of": "rework_cycle:checkout-payment-login"},
]  # fmt: skip

NOT_FINDINGS: list[Story] = [
    # post-goal browsing: steps after a journey's goal are not deviations
    {"kind": "undesigned_transition", "touchpoint": "order_confirmed", "from": "order_confirmed",
     "to": "product_page", "segment": None, "why": "post-goal browsing"},
    {"kind": "undesigned_transition", "touchpoint": "order_confirmed", "from": "order_confirmed",
     "to": "home", "segment": None, "why": "post-goal browsing"},
    # busy browsing pages that convert a little below average, and most people go on
    {"kind": "dead_end", "touchpoint": "blog", "segment": None,
     "why": "browsing page: goal rate a little below average, most journeys go on"},
    {"kind": "dead_end", "touchpoint": "product_list", "segment": None,
     "why": "browsing page: goal rate a little below average, most journeys go on"},
    # the social drop-off at cart, judged over all journeys, stays under the target
    {"kind": "drop_off", "touchpoint": "cart", "segment": None,
     "why": "only journeys entering from social drop off at cart; overall under its target"},
    # what coarse timestamps would fake if ties were not broken by the file's order
    {"kind": "undesigned_transition", "touchpoint": "order_confirmed", "from": "order_confirmed",
     "to": "payment", "segment": None,
     "why": "coarse web timestamps: ties must keep the file's order"},
]  # fmt: skip

# The web export writes its timestamps to the whole minute (its row order is the true order).
COARSE_SOURCE: Channel = "web"
COARSE_GRAIN_S = 60

# Which broken records each export gets (extra rows), and what ingestion must call them.
BROKEN_KINDS: dict[Channel, tuple[str, ...]] = {
    "web": ("bad_timestamp", "missing_timestamp", "missing_identity", "unknown_event", "duplicate"),
    "social": ("malformed_json", "missing_timestamp", "duplicate"),
    "chat": ("malformed_json", "bad_timestamp", "missing_identity", "duplicate"),
}

MODELS = ("city-e1", "trail-x2", "cargo-c3", "fold-f1")
_FIRST = ("ana", "ben", "chloe", "dev", "emma", "femi", "gus", "hana", "ivan", "jo", "kai", "lea")
_LAST = ("silva", "okafor", "novak", "schmidt", "tanaka", "moreau", "kowalski", "byrne")
# two browsers per device type; a cookie is one browser, so it keeps its device and agent
_AGENTS: dict[DeviceType, tuple[str, str]] = {
    "desktop": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari",
    ),
    "mobile": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari",
    ),
    "tablet": (
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari",
        "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    ),
}
_PLATFORMS = ("instagram", "facebook", "tiktok")
_TZ_OFFSETS_MIN = (0, 60, 120, -300, -240, 330)
MAX_STEPS = 40
EVENTS_PER_JOURNEY = 4.15  # measured on the chain with stories, to hit --events

DAYS = 60  # the days over which customers first arrive (returning ones come back later)

# A log of more events is simulated and written in chunks of about this many touchpoint
# events, one part file per source each, so the generator's memory is bounded by a chunk.
CHUNK_EVENTS = 1_000_000


# Dated stories: what changes over time, for the time machinery (history per day and ISO
# week, regressions and improvements, compare) to find. Each acts on the moves out of one
# touchpoint (every state shown as it), decided on the date of the event at that touchpoint
# (UTC), and ground_truth.json records it under "dated_stories" with its dates and its
# effect as measured on the simulated journeys.
ARMS = ("control", "test")  # an A/B test's arms, written to the web export's variant column
SEGMENT_KEYS: dict[str, tuple[str, ...]] = {
    "device_type": tuple(DEVICES),
    "utm_source": _PLATFORMS,
    "entry_channel": ENTRY_CHANNELS,
    "variant": ARMS,
}


@dataclass(frozen=True)
class Incident:
    """Something breaks at ``touchpoint`` for one segment, from ``first_day`` to ``last_day``
    (inclusive): a share ``effect`` of those journeys' moves out of it turn into leaving."""

    touchpoint: str
    segment: tuple[str, str]  # (key, value) as the exports write it: ("device_type", "mobile")
    first_day: date
    last_day: date
    effect: float = 0.7

    def __post_init__(self) -> None:
        _check_touchpoint(self.touchpoint)
        _check_share("effect", self.effect)
        key, value = self.segment
        if key not in SEGMENT_KEYS:
            raise JourneymineError(
                f"segment key {key!r} is not one the generator writes; use one of "
                f"{', '.join(SEGMENT_KEYS)}"
            )
        if value not in SEGMENT_KEYS[key]:
            raise JourneymineError(
                f"{key}={value} is not generated; {key} is one of {', '.join(SEGMENT_KEYS[key])}"
            )
        if self.last_day < self.first_day:
            raise JourneymineError(
                f"the last date {self.last_day} comes before the first {self.first_day}"
            )


@dataclass(frozen=True)
class Fix:
    """From ``day`` on, a share ``effect`` of the journeys that would leave ``touchpoint`` or
    stray from the map there go on as designed instead, for everyone."""

    touchpoint: str
    day: date
    effect: float = 0.7

    def __post_init__(self) -> None:
        _check_touchpoint(self.touchpoint)
        _check_share("effect", self.effect)


@dataclass(frozen=True)
class Seasonality:
    """A weekly rhythm, which is no change: a share ``weekend_traffic`` of the journeys that
    would start on a Saturday or Sunday start on the Monday or Tuesday after instead, and on
    weekends a share ``weekend_effect`` of the moves out of ``touchpoint`` turn into leaving."""

    touchpoint: str = "product_page"
    weekend_traffic: float = 0.4
    weekend_effect: float = 0.6

    def __post_init__(self) -> None:
        _check_touchpoint(self.touchpoint)
        _check_share("weekend_effect", self.weekend_effect)
        if not 0 <= self.weekend_traffic < 1:
            raise JourneymineError(f"weekend_traffic must be in [0, 1), got {self.weekend_traffic}")


@dataclass(frozen=True)
class Arms:
    """An A/B test: customers split at random into the two ``ARMS`` (the web export's
    ``variant`` column); in the test arm a share ``lift`` of the journeys that would leave
    ``touchpoint`` or stray from the map there go on as designed instead."""

    touchpoint: str
    lift: float = 0.5

    def __post_init__(self) -> None:
        _check_touchpoint(self.touchpoint)
        _check_share("lift", self.lift)


@dataclass(frozen=True)
class DatedStories:
    """Every dated story of one generated log; ``DatedStories()`` is a log without change."""

    incidents: tuple[Incident, ...] = ()
    fixes: tuple[Fix, ...] = ()
    seasonality: Seasonality | None = None
    arms: Arms | None = None

    def __post_init__(self) -> None:
        if self.arms is None and any(i.segment[0] == "variant" for i in self.incidents):
            raise JourneymineError("an incident in a variant needs arms (--arms)")

    def describe(self) -> list[str]:
        """One line per story, as the command line prints them."""
        lines = [
            f"incident at {i.touchpoint} for {i.segment[0]}={i.segment[1]}, "
            f"{i.first_day}..{i.last_day} ({i.effect:.0%} of its moves turn into leaving)"
            for i in self.incidents
        ]
        lines += [
            f"fix at {f.touchpoint} from {f.day} ({f.effect:.0%} of those leaving or straying "
            "go on as designed)"
            for f in self.fixes
        ]
        if self.seasonality is not None:
            s = self.seasonality
            lines.append(
                f"weekly rhythm: {s.weekend_traffic:.0%} of weekend starts moved to Monday or "
                f"Tuesday, {s.weekend_effect:.0%} of weekend moves out of {s.touchpoint} turn "
                "into leaving"
            )
        if self.arms is not None:
            lines.append(
                f"arms variant=control|test: in test, {self.arms.lift:.0%} of those leaving or "
                f"straying at {self.arms.touchpoint} go on as designed"
            )
        return lines

    def check_dates(self, days: int) -> None:
        """Every date falls on one of the ``days`` over which customers arrive."""
        for i in self.incidents:
            _check_window(f"incident at {i.touchpoint}", i.first_day, i.last_day, days)
        for f in self.fixes:
            _check_window(f"fix at {f.touchpoint}", f.day, f.day, days)


# The command line's spelling of the dated stories (journeymine generate --incident ...).
INCIDENT_FORMAT = "TOUCHPOINT:KEY=VALUE:FIRST..LAST[:SHARE]"
FIX_FORMAT = "TOUCHPOINT:DATE[:SHARE]"
ARMS_FORMAT = "TOUCHPOINT[:LIFT]"


def parse_incident(text: str) -> Incident:
    """``checkout:device_type=mobile:2026-10-06..2026-10-12`` (and an optional ``:0.7``)."""
    example = "checkout:device_type=mobile:2026-10-06..2026-10-12"
    parts = text.split(":")
    if len(parts) not in (3, 4) or "=" not in parts[1] or ".." not in parts[2]:
        raise JourneymineError(f"expected {INCIDENT_FORMAT} such as {example}")
    key, _, value = parts[1].partition("=")
    first, _, last = parts[2].partition("..")
    incident = Incident(
        parts[0], (key, value), _date(first), _date(last), *_share(parts[3:], "SHARE")
    )
    _check_window("the incident", incident.first_day, incident.last_day, DAYS)
    return incident


def parse_fix(text: str) -> Fix:
    """``payment:2026-10-19`` (and an optional ``:0.5``)."""
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise JourneymineError(f"expected {FIX_FORMAT} such as payment:2026-10-19")
    fix = Fix(parts[0], _date(parts[1]), *_share(parts[2:], "SHARE"))
    _check_window("the fix", fix.day, fix.day, DAYS)
    return fix


def parse_arms(text: str) -> Arms:
    """``cart`` (and an optional ``:0.5``)."""
    parts = text.split(":")
    if len(parts) not in (1, 2):
        raise JourneymineError(f"expected {ARMS_FORMAT} such as cart or cart:0.5")
    return Arms(parts[0], *_share(parts[1:], "LIFT"))


def parse_seasonality(text: str) -> str:
    """The touchpoint of a weekly rhythm: ``product_page``."""
    return Seasonality(touchpoint=text).touchpoint


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise JourneymineError(f"{text!r} is not a date such as 2026-10-06") from None


def _share(parts: list[str], name: str) -> tuple[float, ...]:
    if not parts:
        return ()
    try:
        return (float(parts[0]),)
    except ValueError:
        raise JourneymineError(f"{name} {parts[0]!r} is not a number such as 0.5") from None


def _check_window(what: str, since: date, until: date, days: int) -> None:
    first = START.date()
    last = first + timedelta(days=days - 1)
    if since < first or until > last:
        dates = str(since) if since == until else f"{since}..{until}"
        raise JourneymineError(f"{what}: {dates} is outside the simulated days {first}..{last}")


def _check_touchpoint(touchpoint: str) -> None:
    if touchpoint not in TOUCHPOINTS:
        raise JourneymineError(
            f"unknown touchpoint {touchpoint!r}; the sample brand's are {', '.join(TOUCHPOINTS)}"
        )
    if touchpoint in GOALS:
        raise JourneymineError(
            f"{touchpoint} is a goal: a dated story changes how journeys go on towards one"
        )
    if not CLEAN[touchpoint]:
        ways = ", ".join(t for t, row in CLEAN.items() if row)
        raise JourneymineError(
            f"the map designs no way on from {touchpoint}, so nothing there can change; "
            f"use one of {ways}"
        )


def _check_share(name: str, share: float) -> None:
    if not 0 < share <= 1:
        raise JourneymineError(f"{name} is a share of journeys, in (0, 1]; got {share}")


def _truth_segment(key: str, value: str) -> dict[str, str]:
    """A segment as the pipeline names it (configured attributes are ``attribute:KEY``)."""
    return {"key": key if key == "entry_channel" else f"attribute:{key}", "value": value}


def dated_truth(ev: pd.DataFrame, dated: DatedStories) -> list[Story]:
    """The dated stories for ground_truth.json, each with its effect measured on the simulated
    journeys: the goal rate after its touchpoint, for the journeys that first reached it (before
    their first goal) while it acted and for the others of the same segment."""
    return _dated_truth(dated, _dated_counts(ev, dated))


def _dated_counts(ev: pd.DataFrame, dated: DatedStories) -> list[list[int]]:
    """What ``dated_truth`` measures, as counts that add up over chunks of journeys: per
    story (in its order) the journeys and goals for the visits while it acted and for the
    others; the weekly rhythm adds the weekend starts and all starts."""
    out: list[list[int]] = []
    if dated.seasonality is not None:
        v = _first_visits(ev, dated.seasonality.touchpoint)
        weekend = pd.to_datetime(v["day"]).dt.day_of_week >= 5
        starts = ev.loc[ev["step"] == 1, "exact_at"].dt.day_of_week >= 5
        out.append([*_counts(v, weekend), int(starts.sum()), len(starts)])
    for i in dated.incidents:
        v = _first_visits(ev, i.touchpoint)
        v = v[_segment_of(ev, v, i.segment)]
        out.append(_counts(v, (v["day"] >= i.first_day) & (v["day"] <= i.last_day)))
    for f in dated.fixes:
        v = _first_visits(ev, f.touchpoint)
        out.append(_counts(v, v["day"] >= f.day))
    if dated.arms is not None:
        v = _first_visits(ev, dated.arms.touchpoint)
        out.append(_counts(v, _segment_of(ev, v, ("variant", "test"))))
    return out


def _dated_truth(dated: DatedStories, counts: list[list[int]]) -> list[Story]:
    out: list[Story] = []
    todo = iter(counts)
    if dated.seasonality is not None:
        s = dated.seasonality
        c = next(todo)
        out.append({
            "id": f"seasonality:{s.touchpoint}", "kind": "seasonality",
            "touchpoint": s.touchpoint, "segment": None, "first_date": None, "last_date": None,
            "effect": {"weekend_share_leaving": s.weekend_effect,
                       "weekend_starts_moved": s.weekend_traffic},
            "measured": _measured(c, "weekend", "weekdays")
            | {"weekend_share_of_starts": round(c[4] / c[5], 4)},
            "expect": "no flag: a weekday is compared with the same weekday of earlier weeks",
        })  # fmt: skip
    for i in dated.incidents:
        key, value = i.segment
        out.append({
            "id": f"incident:{i.touchpoint}@{key}={value}", "kind": "incident",
            "touchpoint": i.touchpoint, "segment": _truth_segment(key, value),
            "first_date": str(i.first_day), "last_date": str(i.last_day),
            "effect": {"share_leaving": i.effect},
            "measured": _measured(next(todo), "during", "outside"),
            "expect": "regression with these dates, its segment named",
        })  # fmt: skip
    for f in dated.fixes:
        out.append({
            "id": f"fix:{f.touchpoint}", "kind": "fix", "touchpoint": f.touchpoint,
            "segment": None, "first_date": str(f.day), "last_date": None,
            "effect": {"share_going_on_instead": f.effect},
            "measured": _measured(next(todo), "after", "before"),
            "expect": "improvement from this date; compare before/after: better",
        })  # fmt: skip
    if dated.arms is not None:
        a = dated.arms
        out.append({
            "id": f"arms:{a.touchpoint}", "kind": "arms", "touchpoint": a.touchpoint,
            "segment": _truth_segment("variant", "test"),
            "arms": [_truth_segment("variant", arm) for arm in ARMS],
            "first_date": None, "last_date": None,
            "effect": {"test_share_going_on_instead": a.lift},
            "measured": _measured(next(todo), "test", "control"),
            "expect": "compare --a variant=control --b variant=test: this step better",
        })  # fmt: skip
    return out


def _first_visits(ev: pd.DataFrame, touchpoint: str) -> pd.DataFrame:
    """One row per journey that reached ``touchpoint`` before its first goal: the day of that
    first visit and whether a goal came after it."""
    tp = ev["touchpoint"].astype(str)
    goal_step = ev["step"].where(tp.isin(GOALS)).groupby(ev["journey"]).transform("min")
    before_goal = ~(ev["step"] >= goal_step)  # no goal yet (a missing goal compares False)
    at = ev[(tp == touchpoint).to_numpy() & before_goal.to_numpy()]
    first = at.groupby("journey", as_index=False)["exact_at"].min()
    first["day"] = first["exact_at"].dt.date
    reached = goal_step.groupby(ev["journey"]).first()
    first["goal_after"] = reached.reindex(first["journey"]).notna().to_numpy()
    return first


def _segment_of(ev: pd.DataFrame, visits: pd.DataFrame, segment: tuple[str, str]) -> pd.Series:
    """Whether each visit's journey belongs to ``segment`` (as ``Incident.segment``)."""
    key, value = segment
    journeys = ev.groupby("journey").first()
    if key == "utm_source":  # the platform reaches the web export only through a social click
        values = journeys["platform"].where(journeys["entry_channel"] == "social", "")
    else:
        values = journeys[key]
    return pd.Series((values.reindex(visits["journey"]) == value).to_numpy(), index=visits.index)


def _counts(visits: pd.DataFrame, on: pd.Series) -> list[int]:
    """Journeys and goals after the touchpoint, for the visits ``on`` and for the others."""
    yes = on.to_numpy(dtype=bool)
    goal = visits["goal_after"].to_numpy(dtype=bool)
    return [int(yes.sum()), int((goal & yes).sum()), int((~yes).sum()), int((goal & ~yes).sum())]


def _measured(counts: list[int], yes: str, no: str) -> dict[str, object]:
    """Goal rate after the touchpoint and journeys, from ``_counts``."""
    out: dict[str, object] = {"metric": "goal_rate"}
    for name, journeys, goals in ((yes, counts[0], counts[1]), (no, counts[2], counts[3])):
        out[f"journeys_{name}"] = journeys
        out[f"goal_rate_{name}"] = round(goals / journeys, 4) if journeys else None
    return out


# The sample's dated stories (make sample): a week-long incident at checkout on mobile in
# October, the payment page fixed at the start of a later week, and a weekly rhythm.
SAMPLE_DATED = DatedStories(
    incidents=(
        Incident("checkout", ("device_type", "mobile"), date(2026, 10, 6), date(2026, 10, 12)),
    ),
    fixes=(Fix("payment", date(2026, 10, 19)),),
    seasonality=Seasonality(),
)


@dataclass(frozen=True)
class GeneratedSample:
    """What the generator wrote and the ground truth behind it."""

    out_dir: Path
    files: dict[Channel, Path]
    touchpoint_events: int
    journeys: int
    customers: int
    records: dict[Channel, int]
    broken: dict[Channel, dict[str, int]]
    stories: bool
    truth: pd.DataFrame = field(repr=False)
    """One row per good touchpoint event: uid, customer, journey, step, touchpoint,
    channel, occurred_at and the identifiers it was written with. Empty (the same columns)
    for a log written in chunks (more than ``chunk_events``), to keep memory bounded by a
    chunk; ground_truth.json has its counts all the same."""
    deliveries: tuple[dict[Channel, Path], ...] = ()
    """The files of each delivery, in delivery order: one with everything, or one per day
    (``daily_files``); ``files`` then names each source's folder. A log written in chunks
    has one per part (per day, then part, with ``daily_files``), and ``files`` names the
    folders."""


def _segment_groups() -> list[tuple[DeviceType, str]]:
    """The (device type, entry channel) groups the chain has a matrix for, in index order."""
    return [(d, e) for d in DEVICES for e in ENTRY_CHANNELS]


def _chain(stories: bool) -> tuple[list[str], list[str], np.ndarray]:
    """States, the touchpoint each state shows as, and the transition matrices.

    One matrix per (device type, entry channel) group, ``matrix[group, state]``; the last
    column is "leave". Without stories every group has the same, designed-only matrix and no
    hidden state is ever reached.
    """
    states = [*TOUCHPOINTS, *HIDDEN]
    shown = [HIDDEN.get(s, s) for s in states]
    groups = _segment_groups()
    matrix = np.zeros((len(groups), len(states), len(states) + 1))
    for g, (device, entry) in enumerate(groups):
        rows: dict[str, dict[str, float]] = {**CLEAN}
        if stories:
            rows |= STORIES
            rows |= SEGMENT_STORIES.get(("device_type", device), {})
            rows |= SEGMENT_STORIES.get(("entry_channel", entry), {})
        for i, state in enumerate(states):
            for target, p in rows.get(state, {}).items():
                matrix[g, i, states.index(target)] = p
            matrix[g, i, -1] = 1.0 - matrix[g, i, :-1].sum()
    if (matrix < -1e-9).any():
        raise JourneymineError("a row of the generator's chain sums to more than 1")
    return states, shown, matrix


@dataclass(frozen=True)
class _Effect:
    """What a dated story does to the moves out of ``touchpoint`` while it is active:
    ``leave`` turns a share of every move into leaving; ``go_on`` sends a share of those who
    would leave or stray from the map on as designed instead."""

    touchpoint: str
    how: Literal["leave", "go_on"]
    share: float


def _effects(dated: DatedStories) -> list[_Effect]:
    """The dated stories' effects, in the order of their bits in a step's mask (``_active``)."""
    out = []
    if dated.seasonality is not None:
        s = dated.seasonality
        out.append(_Effect(s.touchpoint, "leave", s.weekend_effect))
    out += [_Effect(i.touchpoint, "leave", i.effect) for i in dated.incidents]
    out += [_Effect(f.touchpoint, "go_on", f.effect) for f in dated.fixes]
    if dated.arms is not None:
        out.append(_Effect(dated.arms.touchpoint, "go_on", dated.arms.lift))
    return out


def _with_effects(
    matrix: np.ndarray, shown: list[str], effects: list[_Effect], mask: int
) -> np.ndarray:
    """The cumulative matrices with the effects whose bit is set in ``mask`` applied."""
    m = matrix.copy()
    for bit, e in enumerate(effects):
        if not (mask >> bit) & 1:
            continue
        designed = np.array([s in CLEAN[e.touchpoint] for s in shown])
        for i in (i for i, s in enumerate(shown) if s == e.touchpoint):
            p = m[:, i, :-1]  # every group's moves out of this state
            if e.how == "leave":
                p *= 1.0 - e.share
            else:  # the share of the rest (leaving or straying) that goes on as designed
                d = (p * designed).sum(axis=1, keepdims=True)
                has_way = d[:, 0] > 0
                gain = e.share * (1.0 - d) * p / np.where(d > 0, d, 1.0)
                moved = np.where(designed, p + gain, p * (1.0 - e.share))
                p[has_way] = moved[has_way]
            m[:, i, -1] = 1.0 - p.sum(axis=1)
    return np.cumsum(m, axis=2)


def _members(
    dated: DatedStories, device: np.ndarray, social: np.ndarray, platform: np.ndarray,
    test_arm: np.ndarray,
) -> list[np.ndarray]:  # fmt: skip
    """For each incident, which journeys belong to its segment."""
    values = {
        "device_type": np.array(list(DEVICES))[device],
        # the platform reaches the web export (utm_source) only through a social click
        "utm_source": np.where(social, platform, ""),
        "entry_channel": np.array(ENTRY_CHANNELS)[social.astype(int)],
        "variant": np.array(ARMS)[test_arm.astype(int)],
    }
    return [values[i.segment[0]] == i.segment[1] for i in dated.incidents]


def _active(
    dated: DatedStories, day: np.ndarray, members: list[np.ndarray], test_arm: np.ndarray
) -> np.ndarray:
    """Each step's mask of active effects (bits in ``_effects`` order), from the day of its
    event (days since START) and its journey's segments (``members``, ``test_arm``)."""
    mask = np.zeros(len(day), dtype=np.int64)
    bit = 0
    origin = START.date()
    if dated.seasonality is not None:
        weekend = (origin.weekday() + day) % 7 >= 5
        mask |= weekend.astype(np.int64) << bit
        bit += 1
    for incident, member in zip(dated.incidents, members, strict=True):
        lo, hi = (incident.first_day - origin).days, (incident.last_day - origin).days
        mask |= (member & (day >= lo) & (day <= hi)).astype(np.int64) << bit
        bit += 1
    for fix in dated.fixes:
        mask |= (day >= (fix.day - origin).days).astype(np.int64) << bit
        bit += 1
    if dated.arms is not None:
        mask |= test_arm.astype(np.int64) << bit
    return mask


def _walk(
    rng: np.random.Generator,
    chain: tuple[list[str], list[str], np.ndarray],
    dated: DatedStories,
    device: np.ndarray,
    start_s: np.ndarray,
    platform: np.ndarray,
    test_arm: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Touchpoint sequences, one journey per element of ``device`` (its device type index),
    starting at ``start_s`` (seconds after START): one row per (journey, step) with the
    chain's state and the time of its event; and whether each journey entered from social.

    Each move is drawn on the date of the event it leaves, so a dated story acts from its
    first date to its last; the time to the next event is drawn once the move is known."""
    states, shown, matrix = chain
    effects = _effects(dated)
    cums: dict[int, np.ndarray] = {}
    end = len(states)
    shown_arr = np.array(shown)
    entry_p = np.array([ENTRY.get(s, 0.0) for s in states])
    state = rng.choice(len(states), size=len(device), p=entry_p / entry_p.sum())
    social = np.array([TOUCHPOINTS[states[s]].channel == "social" for s in state], dtype=bool)
    members = _members(dated, device, social, platform, test_arm)
    group = device * len(ENTRY_CHANNELS) + social.astype(int)
    journey = np.arange(len(device))
    at = start_s.astype(float)
    parts = []
    for step in range(1, MAX_STEPS + 1):
        parts.append(pd.DataFrame({"journey": journey, "step": step, "st": state, "at_s": at}))
        day = np.floor(np.round(at) / 86400).astype(np.int64)
        mask = _active(dated, day, [m[journey] for m in members], test_arm[journey])
        draw = rng.random(len(state))
        nxt = np.empty(len(state), dtype=np.int64)
        for bits in np.unique(mask):
            if bits not in cums:
                cums[bits] = _with_effects(matrix, shown, effects, int(bits))
            rows = mask == bits
            nxt[rows] = (draw[rows, None] > cums[bits][group[rows], state[rows]]).sum(axis=1)
        alive = nxt < end
        before, state = state[alive], nxt[alive]
        journey, group = journey[alive], group[alive]
        at = at[alive] + _delays(rng, shown_arr[before], shown_arr[state])
        if len(state) == 0:
            break
    return pd.concat(parts, ignore_index=True), social


def _delays(rng: np.random.Generator, before: np.ndarray, now: np.ndarray) -> np.ndarray:
    """Seconds from a step at touchpoint ``before`` to the next at ``now``, by what kind of
    step this is (element by element)."""
    n = len(now)
    seconds = rng.lognormal(mean=np.log(50), sigma=0.8, size=n)
    chat = np.isin(now, ["chat_presales", "chat_support"])
    seconds[chat] = rng.uniform(120, 900, size=int(chat.sum()))
    # the conversation itself takes a few minutes
    seconds[np.isin(before, ["chat_presales", "chat_support"])] += 300
    # a landing page comes at least a minute after its social click, so the web export's
    # whole-minute timestamps never put it before the click
    seconds[np.isin(before, ["social_ad", "social_post"])] += COARSE_GRAIN_S
    # the confirmation page follows the payment within seconds
    confirmed = now == "order_confirmed"
    seconds[confirmed] = rng.uniform(2, 15, size=int(confirmed.sum()))
    days = np.isin(now, ["account_setup", "review"])
    seconds[days] = rng.uniform(0.5, 3.0, size=int(days.sum())) * 86400
    return seconds


def _weekend_shift(rng: np.random.Generator, start_s: np.ndarray, share: float) -> np.ndarray:
    """Move a ``share`` of the starts on a Saturday (Sunday) to the Monday (Tuesday) after."""
    weekday = (START.weekday() + np.floor(start_s / 86400).astype(np.int64)) % 7
    moved = (weekday >= 5) & (rng.random(len(start_s)) < share)
    return start_s + np.where(moved, 2 * 86400, 0)


@dataclass(frozen=True)
class IdOffsets:
    """Where a chunk's identifiers start: its customer, cookie, journey and event numbers are
    counted on from those of the chunks before it, so every identifier derived from them
    (emails, handles, cookies, sessions, click and conversation ids) stays unique."""

    customer: int = 0
    cookie: int = 0
    journey: int = 0
    uid: int = 0


def simulate(
    events: int,
    *,
    seed: int | Sequence[int] = 7,
    stories: bool = True,
    days: int = DAYS,
    dated: DatedStories | None = None,
    offsets: IdOffsets | None = None,
) -> pd.DataFrame:
    """Simulate about ``events`` touchpoint events; one row per event with its identifiers.

    ``dated`` plants dated stories (``DatedStories``); without it nothing changes over time.
    ``offsets`` starts the numbers behind the identifiers further on (a chunk of a big log).
    """
    if events < 1:
        raise JourneymineError(f"--events must be at least 1, got {events}")
    dated = dated or DatedStories()
    dated.check_dates(days)
    rng = np.random.default_rng(seed)
    n_journeys = max(1, round(events / EVENTS_PER_JOURNEY))

    # customers: about 1.3 journeys each, at least 20 days apart
    n_customers = max(1, round(n_journeys / 1.3))
    cust_of_journey = np.sort(rng.integers(0, n_customers, size=n_journeys))
    j = pd.DataFrame({"journey": np.arange(n_journeys), "customer": cust_of_journey})
    j["k"] = j.groupby("customer").cumcount()
    # a returning customer keeps the same browser half of the time; a browser (cookie) is one
    # device type and one user agent
    new_cookie = (j["k"] == 0) | (rng.random(n_journeys) < 0.5)
    j["cookie_no"] = np.cumsum(new_cookie) - 1
    n_cookies = int(j["cookie_no"].max()) + 1
    device_of_cookie = rng.choice(len(DEVICES), size=n_cookies, p=list(DEVICES.values()))
    agent_of_cookie = rng.integers(0, 2, size=n_cookies)
    device = device_of_cookie[j["cookie_no"].to_numpy()]
    j["device_type"] = np.array(list(DEVICES))[device]
    agents = np.array([_AGENTS[d][i] for d in DEVICES for i in (0, 1)])
    j["user_agent"] = agents[device * 2 + agent_of_cookie[j["cookie_no"].to_numpy()]]

    base = rng.uniform(0, days * 86400, size=n_customers)
    gap = rng.uniform(20, 40, size=n_journeys) * 86400
    j["remembered_login"] = (j["k"] > 0) & (rng.random(n_journeys) < 0.5)
    j["tz_offset_min"] = rng.choice(_TZ_OFFSETS_MIN, size=n_journeys)
    j["platform"] = rng.choice(_PLATFORMS, size=n_journeys)
    j["model"] = rng.choice(MODELS, size=n_journeys)
    # an A/B test assigns customers, so a returning customer stays in the same arm
    test_arm = (rng.random(n_customers) < 0.5)[cust_of_journey]
    j["variant"] = np.array(ARMS)[test_arm.astype(int)] if dated.arms else None

    # Journeys are walked in rounds: every customer's first journey, then the second ones,
    # which start at least 10 days after the first ended (so the ground truth stays one
    # journey per simulated journey whatever the inactivity gap), and so on; each journey's
    # start is known before its moves are drawn, as its dated stories need.
    chain = _chain(stories)
    k = j["k"].to_numpy()
    start = base[cust_of_journey] + k * gap
    last_at = np.zeros(n_journeys)
    social = np.zeros(n_journeys, dtype=bool)
    platform = j["platform"].to_numpy()
    parts = []
    for r in range(int(k.max()) + 1):
        rows = np.flatnonzero(k == r)
        if r > 0:
            start[rows] = np.maximum(start[rows], last_at[rows - 1] + 10 * 86400)
        if dated.seasonality is not None:
            start[rows] = _weekend_shift(rng, start[rows], dated.seasonality.weekend_traffic)
        walked, social[rows] = _walk(
            rng, chain, dated, device[rows], start[rows], platform[rows], test_arm[rows]
        )
        walked["journey"] = rows[walked["journey"].to_numpy()]
        last_at[rows] = walked.groupby("journey")["at_s"].max().reindex(rows).to_numpy()
        parts.append(walked)

    steps = pd.concat(parts, ignore_index=True).sort_values(["journey", "step"], kind="stable")
    states, shown, _ = chain
    codes = steps.pop("st").to_numpy()
    steps["state"] = pd.Categorical.from_codes(codes, states)
    tp_codes = np.array([list(TOUCHPOINTS).index(t) for t in shown])[codes]
    steps["touchpoint"] = pd.Categorical.from_codes(tp_codes, list(TOUCHPOINTS))
    steps["entry_channel"] = np.array(ENTRY_CHANNELS)[
        social.astype(int)[steps["journey"].to_numpy()]
    ]
    ev = steps.reset_index(drop=True).merge(j, on="journey", how="left")
    # event ids are opaque, as a collector's UUIDs are: their order is not the time order
    ev["uid"] = rng.permutation(len(ev))
    if offsets is not None:  # before any identifier is derived from these numbers
        for column, offset in (
            ("customer", offsets.customer), ("cookie_no", offsets.cookie),
            ("journey", offsets.journey), ("uid", offsets.uid),
        ):  # fmt: skip
            ev[column] += offset
    ev["exact_at"] = pd.Timestamp(START).tz_convert(None) + pd.to_timedelta(
        np.round(ev.pop("at_s")), unit="s"
    )
    tp = ev["touchpoint"].astype(str)
    spec = {name: TOUCHPOINTS[name] for name in TOUCHPOINTS}
    ev["channel"] = tp.map({k: v.channel for k, v in spec.items()})
    # what the exports write: the coarse source to the whole minute, the others to the second
    coarse = (ev["channel"] == COARSE_SOURCE).to_numpy()
    ev["occurred_at"] = ev["exact_at"].where(~coarse, ev["exact_at"].dt.floor(f"{COARSE_GRAIN_S}s"))
    ev["event_name"] = tp.map({k: v.event_name for k, v in spec.items()})
    ev["url_path"] = tp.map({k: v.url_path for k, v in spec.items()})
    ev["url_path"] = ev["url_path"].str.replace("{model}", "", regex=False) + np.where(
        tp == "product_page", ev["model"], ""
    )

    cust = ev["customer"].to_numpy()
    first = np.array(_FIRST)[cust % len(_FIRST)]
    last = np.array(_LAST)[(cust // len(_FIRST)) % len(_LAST)]
    first_s, last_s, no_s = pd.Series(first), pd.Series(last), pd.Series(cust.astype(str))
    ev["email"] = first_s + "." + last_s + no_s + "@mail.example"
    ev["phone"] = pd.Series(cust % 10_000_000).map("+44 7700 {:07d}".format)
    ev["handle"] = first_s + "_" + last_s + no_s
    ev["user_id"] = pd.Series(cust).map("u{:07d}".format)
    ev["cookie_id"] = pd.Series(ev["cookie_no"].to_numpy()).map("ck{:08x}".format)
    ev["session_id"] = pd.Series(ev["journey"].to_numpy()).map("s{:08x}".format)
    ev["conversation_id"] = pd.Series(ev["uid"].to_numpy()).map("conv{:08x}".format)
    ev["ip"] = pd.Series(ev["cookie_no"].to_numpy()).map(
        lambda n: f"198.51.{n // 250 % 256}.{n % 250 + 1}"
    )
    ev["campaign"] = np.where(tp == "social_ad", "spring_" + ev["model"], None)

    # a social click carries a click id that the next (web) step shows in its landing URL
    social = (ev["channel"] == "social").to_numpy()
    click = pd.Series(ev["uid"].to_numpy()).map("clk{:09d}".format).where(social)
    ev["click_id"] = click
    nxt_same = np.zeros(len(ev), dtype=bool)
    nxt_same[1:] = ev["journey"].to_numpy()[1:] == ev["journey"].to_numpy()[:-1]
    landing_click = click.shift(1).where(nxt_same & (ev["channel"] == "web").to_numpy())
    ev["click_id"] = ev["click_id"].where(social, landing_click)

    # login state: after a login step, or remembered from a previous visit
    logged = (tp == "login") | ev["remembered_login"]
    ev["logged_in"] = logged.groupby(ev["journey"]).cummax()
    web = (ev["channel"] == "web").to_numpy()
    ev["user_id"] = ev["user_id"].where(web & ev["logged_in"].to_numpy())
    ev["email"] = ev["email"].where(~web | tp.isin(["order_confirmed", "login"]).to_numpy())
    ev["phone"] = ev["phone"].where((ev["channel"] == "chat") & (cust % 3 == 0))
    ev["handle"] = ev["handle"].where(social)
    # the chat widget runs on the website, so a chat carries the visitor's cookie too
    ev["cookie_id"] = ev["cookie_id"].where(web | (ev["channel"] == "chat").to_numpy())
    ev["ip"] = ev["ip"].where(web)
    ev["referrer"] = pd.Series("https://l.instagram.example/", index=ev.index).where(
        ev["click_id"].notna() & web
    )

    # chat details: free text carries PII, as real transcripts do
    chat = (ev["channel"] == "chat").to_numpy()
    variant = ev["uid"].to_numpy() % 3
    ev["chat_opening"] = np.select(
        [variant == 0, variant == 1],
        [
            "Hi, is the " + ev["model"] + " in stock? My email is " + ev["email"].fillna(""),
            "Hello! Please call me back on " + ev["phone"].fillna("+44 7700 900123"),
        ],
        "Hi there, I have a question about the " + ev["model"],
    )
    ev["chat_followup"] = np.where(
        tp == "chat_support",
        "The app does not find my bike when pairing.",
        "Does it fit a child seat?",
    )
    ev["handoff"] = chat & (rng.random(len(ev)) < 0.4)
    ev["csat"] = pd.Series(rng.integers(1, 6, len(ev)), index=ev.index).where(
        chat & (rng.random(len(ev)) < 0.6)
    )
    ev["social_text"] = pd.Series(
        np.where(variant == 0, "Love this bike! @brightwheel", "Saw this on my feed"),
        index=ev.index,
    ).where(social)
    ev["interaction"] = np.where(social, ev["event_name"], None)
    ev["intent"] = np.where(chat, ev["event_name"], None)
    ev["user_agent"] = ev["user_agent"].where(web)
    ev["bad_kind"] = None
    return ev


def _chatter(rng: np.random.Generator, ev: pd.DataFrame) -> pd.DataFrame:
    """Comments, mentions and DMs around social journeys: events that are not journey steps."""
    src = ev[(ev["channel"] == "social")].sample(frac=0.3, random_state=rng.integers(1 << 31))
    out = src.copy()
    kinds = rng.choice(["comment", "mention", "dm"], size=len(out))
    out["interaction"] = kinds
    out["event_name"] = kinds
    out["touchpoint"] = pd.Categorical(
        [None] * len(out), categories=ev["touchpoint"].cat.categories
    )
    out["click_id"] = None
    out["campaign"] = None
    out["occurred_at"] = out["occurred_at"] - pd.to_timedelta(
        rng.uniform(60, 7200, len(out)), unit="s"
    ).round("s")
    out["exact_at"] = out["occurred_at"]
    out["social_text"] = np.where(
        kinds == "dm",
        "Can someone help? Reach me at " + out["email"].fillna("") + " or " + "+44 7700 900456",
        "@brightwheel does the " + out["model"] + " come in blue? cc @" + out["handle"],
    )
    return out


def _plant_broken(rng: np.random.Generator, ev: pd.DataFrame, rate: float) -> None:
    for channel, kinds in BROKEN_KINDS.items():
        eligible = (ev["channel"] == channel) & ev["touchpoint"].notna()
        idx = ev.index[eligible.to_numpy()]
        # every kind at least once where there is room, then in turn: small samples show all
        count = min(len(idx), max(round(rate * len(idx)), len(kinds) if rate > 0 else 0))
        chosen = rng.choice(idx, size=count, replace=False)
        ev.loc[chosen, "bad_kind"] = [kinds[i % len(kinds)] for i in range(count)]


def _write_exports(
    con: duckdb.DuckDBPyConnection,
    table: pa.Table,
    files: dict[Channel, Path],
    web_format: Literal["csv", "parquet"],
    gzip_output: bool,
    records: dict[Channel, int],
) -> None:
    """Write one delivery of the three exports from ``table`` (generated events); adds the
    records written to ``records``."""
    for path in files.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    con.register("gen_events", table)
    web_sql = sql.load("generate/web_rows")
    params = {"base_url": BASE_URL}
    records["web"] += con.execute(f"select count(*) from ({web_sql})", params).fetchall()[0][0]
    target = _quote_path(files["web"])
    if web_format == "csv":
        comp = "gzip" if gzip_output else "none"
        con.execute(
            f"copy ({web_sql}) to '{target}' (format csv, header true, compression {comp})",
            params,
        )
    else:
        con.execute(f"copy ({web_sql}) to '{target}' (format parquet)", params)
    records["social"] += _write_lines(con, "generate/social_lines", files["social"])
    records["chat"] += _write_lines(con, "generate/chat_lines", files["chat"])
    con.unregister("gen_events")


def _write_lines(con: duckdb.DuckDBPyConnection, model: str, path: Path) -> int:
    rows: int = con.execute(f"select count(*) from ({sql.load(model)})").fetchall()[0][0]
    compression = "gzip" if path.suffix == ".gz" else "none"
    # raw lines: no quoting, and a delimiter that valid JSON text never contains
    con.execute(
        f"copy ({sql.load(model)}) to '{_quote_path(path)}' "
        f"(format csv, header false, quote '', escape '', delim '\x1f', compression {compression})"
    )
    return rows


def _quote_path(path: Path) -> str:
    return str(path).replace("'", "''")


def generate(
    out_dir: Path | str,
    events: int = 5000,
    *,
    seed: int = 7,
    stories: bool = True,
    broken_rate: float = 0.02,
    web_format: Literal["csv", "parquet"] = "csv",
    gzip_output: bool = False,
    daily_files: bool = False,
    late_share: float = 0.0,
    dated: DatedStories | None = None,
    chunk_events: int = CHUNK_EVENTS,
) -> GeneratedSample:
    """Write the three exports for about ``events`` touchpoint events to ``out_dir``.

    A log of more than ``chunk_events`` events is simulated and written chunk by chunk (whole
    customers each, every identifier unique over all of them), one part file per source
    each (``web/clickstream-part-0001.csv`` ...), so memory is bounded by a chunk; smaller
    logs are exactly what they always were.

    With ``daily_files`` each source is delivered as one file per day (``web/clickstream-
    2026-09-01.csv`` ...), as a nightly export lands; ``late_share`` of the events then arrive
    one to three days late, in a later day's file.

    Everything is written into a temporary folder beside ``out_dir`` first and moved into
    place only once complete, so a failure leaves the previous output as it was (other files
    in ``out_dir``, such as a configuration or a map, are never touched).
    """
    if not 0 <= broken_rate < 0.5:
        raise JourneymineError(f"broken_rate must be in [0, 0.5), got {broken_rate}")
    if events < 1:
        raise JourneymineError(f"events must be at least 1, got {events}")
    if chunk_events < 1:
        raise JourneymineError(f"chunk_events must be at least 1, got {chunk_events}")
    if not 0 <= late_share < 1 or (late_share and not daily_files):
        raise JourneymineError(
            "late_share (--late-share) must be in [0, 1) and needs daily_files "
            f"(--daily-files), got {late_share}"
        )
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        sample = _generate_into(
            staging,
            events,
            seed=seed,
            stories=stories,
            broken_rate=broken_rate,
            web_format=web_format,
            gzip_output=gzip_output,
            daily_files=daily_files,
            late_share=late_share,
            dated=dated,
            chunk_events=chunk_events,
        )
        _move_into_place(staging, out)
    except Exception as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, JourneymineError):
            raise
        raise JourneymineError(
            f"generating the sample failed, {out} was left as it was: "
            f"{type(exc).__name__}: {exc}".replace("\n", " ")
        ) from exc
    return replace(
        sample,
        out_dir=out,
        files={ch: out / path.relative_to(staging) for ch, path in sample.files.items()},
        deliveries=tuple(
            {ch: out / path.relative_to(staging) for ch, path in day.items()}
            for day in sample.deliveries
        ),
    )


def _move_into_place(staging: Path, out: Path) -> None:
    """Replace each generated entry of ``out`` by its complete copy from ``staging``."""
    out.mkdir(parents=True, exist_ok=True)
    trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    try:
        for item in sorted(staging.iterdir()):
            target = out / item.name
            if target.exists():
                target.rename(trash / item.name)
            item.rename(target)
    finally:
        shutil.rmtree(trash, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)


TRUTH_COLUMNS = [
    "uid", "customer", "journey", "step", "touchpoint", "channel", "occurred_at", "cookie_id",
    "user_id", "email", "handle", "click_id", "device_type", "entry_channel", "variant",
]  # fmt: skip


def _chunk_sizes(events: int, chunk_events: int) -> list[int]:
    """The touchpoint events of each chunk: one chunk up to ``chunk_events``, else as even as
    can be."""
    n = -(-events // chunk_events)
    return [events // n + (1 if c < events % n else 0) for c in range(n)]


@dataclass
class _Tally:
    """What ground_truth.json counts, added up over the chunks (journeys and customers never
    span two chunks, so their counts add up too)."""

    touchpoint_events: int = 0
    journeys: int = 0
    customers: int = 0
    late_events: int = 0
    broken: dict[Channel, dict[str, int]] = field(
        default_factory=lambda: {ch: {} for ch in BROKEN_KINDS}
    )
    ties: int = 0
    goal_ties: int = 0
    dated: list[list[int]] = field(default_factory=list)

    def add(self, ev: pd.DataFrame, dated: DatedStories) -> None:
        self.touchpoint_events += len(ev)
        self.journeys += int(ev["journey"].nunique())
        self.customers += int(ev["customer"].nunique())
        good = ev[ev["touchpoint"].notna()]
        for ch in BROKEN_KINDS:
            counts = good[good["channel"] == ch]["bad_kind"].value_counts()
            for kind, n in counts.items():
                self.broken[ch][str(kind)] = self.broken[ch].get(str(kind), 0) + int(n)
        ties = _coarse_ties(ev)
        self.ties += int(ties["ties"])  # type: ignore[call-overload]
        self.goal_ties += int(ties["goal_ties"])  # type: ignore[call-overload]
        counts_now = _dated_counts(ev, dated)
        self.dated = (
            [
                [a + b for a, b in zip(x, y, strict=True)]
                for x, y in zip(self.dated, counts_now, strict=True)
            ]
            if self.dated
            else counts_now
        )


def _generate_into(
    out: Path,
    events: int,
    *,
    seed: int,
    stories: bool,
    broken_rate: float,
    web_format: Literal["csv", "parquet"],
    gzip_output: bool,
    daily_files: bool = False,
    late_share: float = 0.0,
    dated: DatedStories | None = None,
    chunk_events: int = CHUNK_EVENTS,
) -> GeneratedSample:
    sizes = _chunk_sizes(events, chunk_events)
    chunked = len(sizes) > 1
    tally = _Tally()
    records: dict[Channel, int] = {"web": 0, "social": 0, "chat": 0}
    written: list[tuple[pd.Timestamp | None, int, dict[Channel, Path]]] = []
    offsets = IdOffsets()
    truth_rows = pd.DataFrame(columns=TRUTH_COLUMNS)
    with duckdb.connect(config={"autoinstall_known_extensions": False}) as con:
        con.execute("set TimeZone = 'UTC'")
        for number, size in enumerate(sizes, start=1):
            # a log of one chunk is what it always was; each chunk of a bigger one draws from
            # its own streams, derived from (seed, chunk number)
            sim_seed: int | tuple[int, ...] = (seed, number, 0) if chunked else seed
            rng = np.random.default_rng((seed, number, 1) if chunked else seed + 1)
            ev = simulate(
                size, seed=sim_seed, stories=stories, dated=dated,
                offsets=offsets if chunked else None,
            )  # fmt: skip
            rows = _write_chunk(
                con, out, rng, ev, offsets.uid, f"-part-{number:04d}" if chunked else "",
                broken_rate=broken_rate, web_format=web_format, gzip_output=gzip_output,
                daily_files=daily_files, late_share=late_share, dated=dated,
                records=records, tally=tally, collect=written, number=number,
            )  # fmt: skip
            tally.add(ev, dated or DatedStories())
            if not chunked:
                truth_rows = ev[TRUTH_COLUMNS].copy()
            offsets = IdOffsets(
                customer=int(ev["customer"].max()) + 1,
                cookie=int(ev["cookie_no"].max()) + 1,
                journey=int(ev["journey"].max()) + 1,
                uid=offsets.uid + rows,
            )
            del ev
    written.sort(key=lambda w: (w[0] is not None, w[0] or pd.Timestamp(0), w[1]))
    deliveries = [files for _, _, files in written]
    files = (
        deliveries[0]
        if not (daily_files or chunked)
        else {ch: out / ch for ch in ("web", "social", "chat")}
    )
    sample = GeneratedSample(
        out_dir=out,
        files=files,
        touchpoint_events=tally.touchpoint_events,
        journeys=tally.journeys,
        customers=tally.customers,
        records=records,
        broken=tally.broken,
        stories=stories,
        deliveries=tuple(deliveries),
        truth=truth_rows,
    )
    truth: dict[str, object] = {
        "seed": seed,
        "touchpoint_events": sample.touchpoint_events,
        "journeys": sample.journeys,
        "customers": sample.customers,
        "records": records,
        "files": {ch: str(p.relative_to(out)) for ch, p in files.items()},
        "deliveries": len(deliveries),
        "late_events": tally.late_events,
        "broken_records": tally.broken,
        "stories": STORY_TRUTH if stories else [],
        "not_findings": NOT_FINDINGS if stories else [],
        "dated_stories": _dated_truth(dated or DatedStories(), tally.dated),
        "arrivals": {
            "first_day": START.date().isoformat(),
            "last_day": (START + timedelta(days=DAYS - 1)).date().isoformat(),
            "why": "new customers arrive over these days, returning ones keep coming back "
            "after them: from then on the mix of journeys changes (every one is a returning "
            "customer's, recognised as returning or not), so the rates of segments defined by "
            "who returns (personas) may rightly change; a change that begins after the last "
            "day is the population's, not a planted story",
        },
        "coarse_timestamps": {
            "source": COARSE_SOURCE,
            "grain_seconds": COARSE_GRAIN_S,
            "ties": tally.ties,
            "goal_ties": tally.goal_ties,
        },
    }
    if chunked:
        truth["parts"] = {
            "count": len(sizes),
            "why": "simulated and written in chunks of customers, one part file per source "
            "each (and per day with daily files); every count above is over all parts",
        }
    (out / "ground_truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return sample


def _write_chunk(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    rng: np.random.Generator,
    ev: pd.DataFrame,
    uid_base: int,
    part: str,
    *,
    broken_rate: float,
    web_format: Literal["csv", "parquet"],
    gzip_output: bool,
    daily_files: bool,
    late_share: float,
    dated: DatedStories | None,
    records: dict[Channel, int],
    tally: _Tally,
    collect: list[tuple[pd.Timestamp | None, int, dict[Channel, Path]]],
    number: int,
) -> int:
    """Add chatter and broken records to one chunk's events and write them (one part file
    per source, or per source and day); returns the rows it numbered (events and chatter)."""
    chatter = _chatter(rng, ev)
    _plant_broken(rng, ev, broken_rate)
    allev = pd.concat([ev, chatter], ignore_index=True)
    allev["uid"] = np.concatenate(
        [ev["uid"].to_numpy(), uid_base + len(ev) + np.arange(len(chatter))]
    )
    cols = [
        "uid", "step", "channel", "occurred_at", "exact_at", "device_type", "event_name",
        "url_path", "click_id", "platform", "referrer", "cookie_id", "user_id", "email",
        "phone", "handle", "session_id", "conversation_id", "user_agent", "ip", "campaign",
        "tz_offset_min", "interaction", "intent", "social_text", "chat_opening",
        "chat_followup", "handoff", "csat", "bad_kind",
    ] + (["variant"] if dated is not None and dated.arms is not None else [])  # fmt: skip
    # the day each event's record is delivered: the day it happened, or 1-3 days later
    delivered = allev["exact_at"].dt.floor("D")
    late = rng.random(len(allev)) < late_share
    tally.late_events += int(late.sum())
    delivered = delivered + pd.to_timedelta(np.where(late, rng.integers(1, 4, len(allev)), 0), "D")
    gz = ".gz" if gzip_output else ""
    days = [None] if not daily_files else sorted(delivered.unique())
    for day in days:
        group = allev if day is None else allev[(delivered == day).to_numpy()]
        stem = ("" if day is None else f"-{pd.Timestamp(day):%Y-%m-%d}") + part
        files: dict[Channel, Path] = {
            "web": out
            / "web"
            / (
                f"clickstream{stem}.csv{gz}"
                if web_format == "csv"
                else f"clickstream{stem}.parquet"
            ),
            "social": out / "social" / f"interactions{stem}.jsonl{gz}",
            "chat": out / "chat" / f"messages{stem}.jsonl{gz}",
        }
        table = pa.Table.from_pandas(group[cols].astype({"csat": "Int64"}), preserve_index=False)
        _write_exports(con, table, files, web_format, gzip_output, records)
        del table
        collect.append((None if day is None else pd.Timestamp(day), number, files))
    return len(allev)


def _coarse_ties(ev: pd.DataFrame) -> dict[str, object]:
    """How often the coarse source's timestamps tie within a journey: all consecutive steps,
    and goal events with the designed step before them (the file's order tells them apart)."""
    same_journey = ev["journey"].to_numpy()[1:] == ev["journey"].to_numpy()[:-1]
    at = ev["occurred_at"].to_numpy()
    ch = ev["channel"].to_numpy()
    tied = same_journey & (at[1:] == at[:-1]) & (ch[1:] == COARSE_SOURCE) & (ch[:-1] == ch[1:])
    tp = ev["touchpoint"].astype(str).to_numpy()
    into_goals = [f"{a}>{b}" for a, row in CLEAN.items() for b in row if b in GOALS]
    into_goal = (pd.Series(tp[:-1]) + ">" + pd.Series(tp[1:])).isin(into_goals).to_numpy()
    return {
        "source": COARSE_SOURCE,
        "grain_seconds": COARSE_GRAIN_S,
        "ties": int(tied.sum()),
        "goal_ties": int((tied & into_goal).sum()),
    }


def write_broken_files(out_dir: Path | str, sample_dir: Path | str) -> dict[str, Path]:
    """Whole files that cannot be loaded, for tests: never placed in the sample ``make run`` reads.

    ``sample_dir`` is a generated sample to derive them from.
    """
    out, src = Path(out_dir), Path(sample_dir)
    out.mkdir(parents=True, exist_ok=True)
    web_csv = (src / "web" / "clickstream.csv").read_bytes()
    social = (src / "social" / "interactions.jsonl").read_bytes()
    paths = {
        "truncated_gzip": out / "truncated.jsonl.gz",
        "wrong_encoding": out / "latin1.csv",
        "missing_column": out / "missing_column.csv",
    }
    whole = gzip.compress(social)
    paths["truncated_gzip"].write_bytes(whole[: len(whole) // 2])
    lines = web_csv.decode("utf-8").splitlines()
    header = lines[0].split(",")
    bikes = next(line for line in lines[1:] if "/bikes" in line)
    latin = [lines[0], bikes.replace("/bikes", "/vélos")]
    paths["wrong_encoding"].write_bytes(("\n".join(latin) + "\n").encode("latin-1"))
    drop = header.index("collector_tstamp")
    trimmed = [
        ",".join(c for i, c in enumerate(line.split(",")) if i != drop) for line in lines[:5]
    ]
    paths["missing_column"].write_text("\n".join(trimmed) + "\n", encoding="utf-8")
    return paths
