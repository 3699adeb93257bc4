"""Regressions and improvements on planted daily series: found with their first and last
date, their segment; a weekly rhythm and a steady series raise nothing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

from journeymine import sql
from journeymine.config import Mining, Periods
from journeymine.mapping import load_map
from journeymine.mine.maptables import write_map_tables
from journeymine.periods import changes, detect_changes
from journeymine.warehouse import connect

START = date(2026, 1, 5)  # a Monday
DAYS = 84


def _history(series: dict[tuple[str, str], list[tuple[int, int]]]) -> duckdb.DuckDBPyConnection:
    """touchpoint_history with daily goal counts for node 'checkout': (segment, value) ->
    [(journeys, goal journeys) per day]."""
    con = connect(":memory:")
    sql.run(con, "time/history_schema")
    rows = [
        ("day", START + timedelta(days=i), segment, value, "touchpoint", "checkout",
         n, n - goals, 0, goals, n - (n - goals), goals)
        for (segment, value), days in series.items()
        for i, (n, goals) in enumerate(days)
    ]  # fmt: skip
    con.executemany(
        "insert into touchpoint_history values "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp::timestamp)",
        rows,
    )
    return con


def _daily(rng: np.random.Generator, n: int, rate: list[float]) -> list[tuple[int, int]]:
    return [(n, int(rng.binomial(n, r))) for r in rate]


def test_an_incident_is_found_with_its_dates_and_segment() -> None:
    rng = np.random.default_rng(3)
    incident = range(40, 59)  # 2026-02-14 .. 2026-03-04
    social = [0.30 if i in incident else 0.60 for i in range(DAYS)]
    web = [0.60] * DAYS
    s = _daily(rng, 150, social)
    w = _daily(rng, 150, web)
    every = [(a[0] + b[0], a[1] + b[1]) for a, b in zip(s, w, strict=True)]
    con = _history({("all", "all"): every, ("entry_channel", "social"): s,
                    ("entry_channel", "web"): w})  # fmt: skip
    changes = detect_changes(con, Periods(), Mining())
    assert [(c.kind, c.node, c.metric) for c in changes][:1] == [
        ("regression", "checkout", "goal_rate")
    ]
    c = changes[0]
    assert abs((c.first_day - (START + timedelta(days=40))).days) <= 1
    assert abs((c.last_day - (START + timedelta(days=58))).days) <= 1
    assert not c.ongoing
    assert c.segment == "all" and (c.concentrated_segment, c.concentrated_value) == (
        "entry_channel", "social",
    )  # fmt: skip
    assert c.comparison.difference == pytest.approx(-0.15, abs=0.04)  # half of one of two halves
    assert c.lost_goal_completions > 100
    assert len([x for x in changes if x.kind == "regression"]) == 1  # one problem, one finding


def test_a_fix_is_an_improvement_since_its_date() -> None:
    rng = np.random.default_rng(4)
    rate = [0.40 if i < 56 else 0.55 for i in range(DAYS)]
    con = _history({("all", "all"): _daily(rng, 300, rate)})
    (c,) = detect_changes(con, Periods(), Mining())
    assert c.kind == "improvement" and c.ongoing
    assert abs((c.first_day - (START + timedelta(days=56))).days) <= 1
    assert c.last_day == START + timedelta(days=DAYS - 1)
    assert c.lost_goal_completions < 0  # goal completions gained


@pytest.mark.parametrize("seed", range(10))
def test_a_weekly_rhythm_and_a_steady_series_raise_nothing(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    weekly = [0.35 if (i % 7) in (5, 6) else 0.55 for i in range(DAYS)]  # weekends convert less
    steady = [0.5] * DAYS
    con = _history({("all", "all"): _daily(rng, 300, weekly),
                    ("entry_channel", "web"): _daily(rng, 120, steady),
                    ("entry_channel", "social"): _daily(rng, 40, steady)})  # fmt: skip
    assert detect_changes(con, Periods(), Mining()) == []


def test_the_days_after_an_incident_are_no_improvement() -> None:
    """Back to normal is no improvement over a baseline that holds the incident's days."""
    rng = np.random.default_rng(5)
    rate = [0.25 if 40 <= i < 47 else 0.60 for i in range(DAYS)]
    con = _history({("all", "all"): _daily(rng, 200, rate)})
    changes = detect_changes(con, Periods(), Mining())
    assert [(c.kind, c.first_day, c.last_day) for c in changes] == [
        ("regression", START + timedelta(days=40), START + timedelta(days=46))
    ]


MAP = """\
name: shop
stages: [{id: browse}, {id: buy}]
touchpoints:
  - {id: home, stage: browse, channel: web}
  - {id: cart, stage: buy, channel: web}
  - {id: pay, stage: buy, channel: web}
  - {id: done, stage: buy, channel: web}
transitions: [{from: home, to: cart}, {from: cart, to: pay}, {from: pay, to: done}]
entries: [home]
goals: [done]
"""


def test_a_change_further_on_explains_the_goal_rates_before_it(tmp_path: Path) -> None:
    """A fix at pay lifts the goal rate after cart (which leads to it) but not cart's own
    drop-off: one finding, at pay, listing cart's goal rate as its consequence."""
    rng = np.random.default_rng(6)
    con = connect(":memory:")
    sql.run(con, "time/history_schema")
    for i in range(DAYS):
        paid = int(rng.binomial(150, 0.85 if i >= 56 else 0.45))  # of 150 reaching pay
        left = int(rng.binomial(250, 0.4))  # of 250 reaching cart; the others go on to pay
        cart_goals = int(rng.binomial(250 - left, paid / 150))
        con.executemany(
            "insert into touchpoint_history values ('day', ?, 'all', 'all', 'touchpoint', ?, ?, "
            "?, 0, ?, 0, 0, current_timestamp::timestamp)",
            [(START + timedelta(days=i), "pay", 150, 150 - paid, paid),
             (START + timedelta(days=i), "cart", 250, left, cart_goals)],
        )  # fmt: skip
    (tmp_path / "map.yaml").write_text(MAP, encoding="utf-8")
    write_map_tables(con, load_map(tmp_path / "map.yaml"))
    con.execute(  # the moves journeys made: all designed
        "create table transitions as select * from (values ('home', 'cart', true, 9, 0), "
        "('cart', 'pay', true, 9, 0), ('pay', 'done', true, 9, 0)) "
        "as t(from_touchpoint, to_touchpoint, designed, occurrences, after_goal_journeys)"
    )
    (change,) = detect_changes(con, Periods(), Mining())
    assert (change.kind, change.node, change.first_day) == (
        "improvement", "pay", START + timedelta(days=56),
    )  # fmt: skip
    assert [r.split(" +")[0] for r in change.related] == ["goal rate after cart"]
    # without the map, cart's goal rate is a finding of its own
    con.execute("drop table map_transitions")
    assert {c.node for c in detect_changes(con, Periods(), Mining())} == {"pay", "cart"}


def test_the_screen_is_the_one_sided_z_test_through_scipy_s_normal() -> None:
    """The screen's p-values, computed with ndtr, are scipy.stats.norm's cdf and sf."""
    from scipy.stats import norm

    rng = np.random.default_rng(3)
    n = rng.integers(0, 400, 2000).astype(float)
    k = np.floor(n * rng.random(2000))
    bn = rng.integers(0, 2000, 2000).astype(float)
    bk = np.floor(bn * rng.random(2000))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (k + bk) / (n + bn)
        z = (k / n - bk / bn) / np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / bn))
    z = np.where(np.isfinite(z), z, 0.0)
    assert np.array_equal(changes._screen(k, n, bk, bn, True), norm.cdf(z))
    assert np.array_equal(changes._screen(k, n, bk, bn, False), norm.sf(z))
