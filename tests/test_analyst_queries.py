"""The worked example queries in sql/analyst/ run on a mined warehouse, with bound parameters,
and return what their header says: its columns, rows, and numbers that add up to the mining
tables they restate."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

import duckdb
import pandas as pd
import pytest

from journeymine import sql
from tests.conftest import REPO
from tests.mining import Mined

ANALYST = REPO / "sql" / "analyst"

# Each query, the parameters it is run with, and the columns it returns.
CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "top_drop_offs_by_channel": (
        {"top": 3, "min_journeys": 30},
        ["entry_channel", "rank_in_channel", "touchpoint", "stage", "journeys", "drop_offs",
         "drop_off_rate", "drop_off_rate_low", "drop_off_rate_high", "goal_rate"],
    ),
    "next_after_touchpoint": (
        {"touchpoint": "payment"},
        ["next_touchpoint", "designed", "journeys", "journey_share", "goal_journeys", "goal_rate"],
    ),
    "time_between_touchpoints": (
        {"from_touchpoint": "product_page", "to_touchpoint": "order_confirmed"},
        ["entry_channel", "journeys", "journeys_reached", "reached_rate", "hours_p25",
         "hours_median", "hours_p75", "hours_p90"],
    ),
    "conformance_by_persona": (
        {"min_journeys": 1},
        ["persona", "journeys", "conforming_journeys", "conforming_journey_rate",
         "conforming_journey_rate_low", "conforming_journey_rate_high", "mean_fitness",
         "undesigned_moves_per_journey", "goal_journeys", "goal_rate"],
    ),
    "weekly_trend_touchpoint": (
        {"touchpoint": "payment"},
        ["week", "journeys", "drop_offs", "drop_off_rate", "drop_off_rate_low",
         "drop_off_rate_high", "goal_journeys", "goal_rate", "goal_rate_low", "goal_rate_high"],
    ),
    "before_after_change": (
        {"touchpoint": "payment", "change_date": date(2026, 11, 1), "window_days": None},
        ["period", "journeys", "drop_offs", "drop_off_rate", "drop_off_rate_low",
         "drop_off_rate_high", "goal_journeys", "goal_rate", "goal_rate_low", "goal_rate_high"],
    ),
}  # fmt: skip


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    return sql.execute(con, sql.load(f"analyst/{name}"), params).df()


def stats_row(con: duckdb.DuckDBPyConnection, touchpoint: str) -> dict[str, Any]:
    cursor = con.execute(
        "select * from touchpoint_stats "
        "where segment = 'all' and level = 'touchpoint' and node = ?",
        [touchpoint],
    )
    names = [d[0] for d in cursor.description or []]
    return dict(zip(names, cursor.fetchall()[0], strict=True))


def test_every_query_is_tested_and_says_what_it_answers() -> None:
    files = sorted(p.stem for p in ANALYST.glob("*.sql"))
    assert files == sorted(CASES)
    for name in files:
        text = (ANALYST / f"{name}.sql").read_text(encoding="utf-8")
        header = text.split("\nwith\n")[0]
        assert header.startswith("-- ") and "?" in header.split("-- grain:")[0], name
        assert "-- grain:" in header and "-- Parameters:" in header, name
        # every parameter is bound ($name) and named in the header
        code = re.sub(r"--[^\n]*", "", text)
        used = set(re.findall(r"\$([a-z_]+)", code))
        assert used == set(CASES[name][0]), name
        assert all(f"${p}" in header for p in used), name
        assert "{" not in code and "%s" not in code, name  # nothing formatted in


@pytest.mark.parametrize("name", sorted(CASES))
def test_query_returns_its_shape(name: str, mined_stories: Mined) -> None:
    con = mined_stories[0]
    params, columns = CASES[name]
    df = run(con, name, **params)
    assert list(df.columns) == columns
    assert len(df) > 0
    for column in columns:
        if re.search(r"_rate(_low|_high)?$|_share$|fitness$", column):
            values = df[column].dropna()
            assert ((values >= 0) & (values <= 1)).all(), column
    for rate in ("drop_off_rate", "goal_rate", "conforming_journey_rate"):
        if f"{rate}_low" in df:
            both = df.dropna(subset=[rate])
            assert (both[f"{rate}_low"] <= both[rate] + 1e-12).all()
            assert (both[rate] <= both[f"{rate}_high"] + 1e-12).all()


def test_top_drop_offs_are_the_worst_of_each_channel(mined_stories: Mined) -> None:
    con = mined_stories[0]
    df = run(con, "top_drop_offs_by_channel", top=3, min_journeys=30)
    assert set(df.entry_channel) == {"web", "social"}
    for _, group in df.groupby("entry_channel"):
        assert list(group.rank_in_channel) == list(range(1, len(group) + 1))
        assert group.drop_offs.is_monotonic_decreasing
    assert (df.journeys >= 30).all()
    # each row restates touchpoint_stats, and nothing left out drops off more
    stats = con.execute(
        "select segment_value, node, drop_offs from touchpoint_stats "
        "where segment = 'entry_channel' and level = 'touchpoint' and drop_offs is not null "
        "and journeys >= 30"
    ).df()
    for channel, group in df.groupby("entry_channel"):
        theirs = stats[stats.segment_value == channel].set_index("node").drop_offs
        assert list(group.drop_offs) == [theirs[t] for t in group.touchpoint]
        assert theirs.drop(index=list(group.touchpoint)).max() <= group.drop_offs.min()
    assert "payment" in set(df.touchpoint)  # the planted drop-off


def test_next_steps_after_a_touchpoint_add_up_to_its_journeys(mined_stories: Mined) -> None:
    con = mined_stories[0]
    df = run(con, "next_after_touchpoint", touchpoint="payment").set_index("next_touchpoint")
    stats = stats_row(con, "payment")
    assert df.journeys.sum() == stats["journeys"]
    assert df.goal_journeys.sum() == stats["goal_journeys"]
    assert math.isclose(df.journey_share.sum(), 1.0)
    assert df.loc["order_confirmed", "designed"] and df.loc["order_confirmed", "goal_rate"] == 1
    assert not df.loc["(ended)", "designed"] and df.loc["(ended)", "goal_journeys"] == 0
    assert not df.loc["checkout", "designed"]  # the planted loop back from payment


def test_time_between_touchpoints_is_ordered_and_counted(mined_stories: Mined) -> None:
    con = mined_stories[0]
    df = run(
        con, "time_between_touchpoints", from_touchpoint="cart", to_touchpoint="payment"
    ).set_index("entry_channel")
    assert df.index[0] == "all"
    assert df.loc["all", "journeys"] == df.drop(index="all").journeys.sum()
    assert (df.journeys_reached <= df.journeys).all() and df.loc["all", "journeys_reached"] > 0
    quantiles = df[["hours_p25", "hours_median", "hours_p75", "hours_p90"]]
    assert (quantiles.diff(axis=1).iloc[:, 1:] >= 0).all().all() and (quantiles >= 0).all().all()
    never = run(con, "time_between_touchpoints", from_touchpoint="payment", to_touchpoint="blog")
    assert never.journeys_reached.sum() < never.journeys.sum()


def test_conformance_by_persona_adds_up_to_the_run(mined_stories: Mined) -> None:
    con = mined_stories[0]
    df = run(con, "conformance_by_persona", min_journeys=1)
    journeys, conforming = con.execute(
        "select journeys, round(conforming_journey_rate * journeys) from conformance"
    ).fetchall()[0]
    assert df.journeys.sum() == journeys and df.conforming_journeys.sum() == conforming
    assert "unassigned" in set(df.persona)
    assert df.conforming_journey_rate.is_monotonic_increasing
    assert len(run(con, "conformance_by_persona", min_journeys=10**9)) == 0


def test_weekly_trend_adds_up_to_the_touchpoint(mined_stories: Mined) -> None:
    con = mined_stories[0]
    df = run(con, "weekly_trend_touchpoint", touchpoint="payment")
    stats = stats_row(con, "payment")
    assert df.journeys.sum() == stats["journeys"]
    assert df.drop_offs.sum() == stats["drop_offs"]
    assert df.goal_journeys.sum() == stats["goal_journeys"]
    weeks = pd.to_datetime(df.week)
    assert weeks.is_monotonic_increasing and (weeks.dt.day_of_week == 0).all()  # Mondays
    # a goal has no drop-off
    goal = run(con, "weekly_trend_touchpoint", touchpoint="order_confirmed")
    assert len(goal) > 0 and goal.drop_offs.isna().all()


def test_before_and_after_a_change_split_the_touchpoint(mined_stories: Mined) -> None:
    con = mined_stories[0]
    params = CASES["before_after_change"][0]
    df = run(con, "before_after_change", **params).set_index("period")
    assert list(df.index) == ["before", "after"]
    stats = stats_row(con, "payment")
    assert df.journeys.sum() == stats["journeys"]
    assert df.drop_offs.sum() == stats["drop_offs"]
    assert df.goal_journeys.sum() == stats["goal_journeys"]
    window = run(con, "before_after_change", **{**params, "window_days": 14}).set_index("period")
    assert list(window.index) == ["before", "after"]
    assert (window.journeys <= df.journeys).all() and window.journeys.sum() < df.journeys.sum()
