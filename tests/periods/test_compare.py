"""Did the fix work? compare gives better, worse, no detectable change (with what it could
have seen) or too few journeys; dates select journeys by their entry."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from journeymine.cli import main
from journeymine.config import load_config
from journeymine.errors import JourneymineError
from journeymine.mapping import load_map
from journeymine.mine import mine
from journeymine.periods.compare import Group, compare
from tests.conftest import SAMPLE_CONFIG
from tests.mining import events_warehouse
from tests.test_mapping import SMALL


def _log(before_goal: float, after_goal: float, n: int = 100) -> dict[str, list[tuple[str, float]]]:
    log = {}
    for i in range(n):  # entering on days 0..9, and the "after" ones on days 20..29
        for side, start, rate in (("b", 0.0, before_goal), ("a", 20.0, after_goal)):
            day = start + (i % 10) + 0.1
            steps = [("home", day), ("cart", day + 0.01)]
            if i < rate * n:
                steps.append(("paid", day + 0.02))
            log[f"{side}{i}"] = steps
    return log


@pytest.fixture()
def fixed(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "map.yaml").write_text(SMALL, encoding="utf-8")
    con = events_warehouse(_log(0.3, 0.7))
    mine(con, load_config(SAMPLE_CONFIG), load_map(tmp_path / "map.yaml"))
    yield con
    con.close()


BEFORE = Group(date(2026, 9, 1), date(2026, 9, 10))
AFTER = Group(date(2026, 9, 21), date(2026, 9, 30))


def test_a_fix_that_worked_is_better(fixed) -> None:  # type: ignore[no-untyped-def]
    rows = {(r.level, r.node, r.metric): r for r in compare(fixed, BEFORE, AFTER)}
    cart = rows[("touchpoint", "cart", "goal_rate")]
    assert (cart.journeys_a, cart.journeys_b) == (100, 100)
    assert (cart.rate_a, cart.rate_b) == (0.3, 0.7)
    assert cart.difference == pytest.approx(0.4)
    assert cart.ci_low is not None and 0.25 < cart.ci_low < 0.4 < cart.ci_high  # type: ignore[operator]
    assert cart.verdict == "better" and cart.p_value is not None and cart.p_value < 1e-6
    assert rows[("journey", "goal", "goal_rate")].verdict == "better"
    # a drop-off that fell is better too
    assert rows[("touchpoint", "cart", "drop_off_rate")].verdict == "better"


def test_no_change_says_what_it_could_have_seen(fixed) -> None:  # type: ignore[no-untyped-def]
    same = compare(fixed, AFTER, AFTER)
    cart = next(r for r in same if (r.node, r.metric) == ("cart", "goal_rate"))
    assert cart.verdict == "no detectable change"
    assert cart.difference == 0
    assert cart.detectable_change is not None and 0.15 < cart.detectable_change < 0.25


def test_too_few_journeys_is_said(fixed) -> None:  # type: ignore[no-untyped-def]
    one_day = Group(date(2026, 9, 1), date(2026, 9, 1))  # 10 journeys
    rows = compare(fixed, one_day, AFTER)
    assert {r.verdict for r in rows} == {"too few journeys"}


def test_dates_govern_entry_not_events(tmp_path: Path) -> None:
    """A journey entering on the last day of the range and buying the day after counts."""
    (tmp_path / "map.yaml").write_text(SMALL, encoding="utf-8")
    log = {f"c{i}": [("home", 9.9), ("cart", 10.5), ("paid", 10.6)] for i in range(40)}
    con = events_warehouse(log)
    mine(con, load_config(SAMPLE_CONFIG), load_map(tmp_path / "map.yaml"))
    rows = compare(con, Group(date(2026, 9, 1), date(2026, 9, 10)), AFTER)
    goal = next(r for r in rows if r.level == "journey")
    assert (goal.journeys_a, goal.rate_a) == (40, 1.0)


def test_the_command_writes_json_and_rejects_bad_ranges(
    fixed,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    db = tmp_path / "copy.duckdb"
    fixed.execute(f"attach '{db}' as copy")
    fixed.execute("copy from database memory to copy")
    fixed.execute("detach copy")
    args = ["compare", "--database", str(db), "--before", "2026-09-01..2026-09-10",
            "--after", "2026-09-21..2026-09-30", "--touchpoint", "cart",
            "--format", "json"]  # fmt: skip
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert "before (a) = journeys entering 2026-09-01..2026-09-10" in out["compared"]
    assert {(r["node"], r["metric"], r["verdict"]) for r in out["rows"]} == {
        ("cart", "goal_rate", "better"), ("cart", "drop_off_rate", "better"),
        ("goal", "goal_rate", "better"),
    }  # fmt: skip
    assert main(["compare", "--database", str(db), "--before", "2026-09-10..2026-09-01",
                 "--after", "2026-09-21..2026-09-30"]) == 2  # fmt: skip
    assert "the last date comes before the first" in capsys.readouterr().err


def test_a_warehouse_without_the_start_counts_says_to_run_once(fixed) -> None:  # type: ignore[no-untyped-def]
    """A warehouse an older journeymine analysed has no int_start_counts: compare says what
    to do instead of failing on a missing table."""
    fixed.execute("drop table jm_internal.int_start_counts")
    with pytest.raises(JourneymineError, match=r"int_start_counts.*journeymine run"):
        compare(fixed, BEFORE, AFTER)
