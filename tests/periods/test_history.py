"""History per period survives runs; a run rewrites only the periods whose numbers changed
(a new day, a late event) and says which."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from journeymine.config import load_config
from journeymine.mapping import load_map
from journeymine.mine import mine
from journeymine.periods import update_history
from tests.conftest import SAMPLE_CONFIG
from tests.mining import add_events, events_warehouse
from tests.test_mapping import SMALL


def test_only_changed_periods_are_rewritten(tmp_path: Path) -> None:
    (tmp_path / "map.yaml").write_text(SMALL, encoding="utf-8")
    journey_map = load_map(tmp_path / "map.yaml")
    config = load_config(SAMPLE_CONFIG)
    log = {f"c{i}": [("home", i % 10 + 0.1), ("cart", i % 10 + 0.2)] for i in range(50)}
    con = events_warehouse(log)

    mine(con, config, journey_map)
    first = update_history(con)
    assert first.changed["day"] == tuple(date(2026, 9, 1) + timedelta(days=d) for d in range(10))
    assert first.changed["week"] == (date(2026, 8, 31), date(2026, 9, 7))
    written = con.execute("select count(*), min(computed_at) from touchpoint_history").fetchall()

    mine(con, config, journey_map)
    assert update_history(con).changed == {}  # nothing new: nothing rewritten
    assert (
        con.execute("select count(*), min(computed_at) from touchpoint_history").fetchall()
        == written
    )

    add_events(con, "n1", [("home", 30.1), ("cart", 30.2), ("paid", 30.3)])  # a new day
    add_events(con, "c3", [("paid", 3.3)])  # late: c3 bought on day 3 after all
    mine(con, config, journey_map)
    third = update_history(con)
    assert third.changed == {
        "day": (date(2026, 9, 4), date(2026, 10, 1)),
        "week": (date(2026, 8, 31), date(2026, 9, 28)),
    }
    assert "2 day(s) and 2 week(s) changed" in third.describe()
    goal = con.execute(
        "select goal_rate from touchpoint_trend where grain = 'day' and period_start = ? "
        "and segment = 'all' and node = 'home'",
        [date(2026, 9, 4)],
    ).fetchall()
    assert goal == [(0.2,)]  # 1 of the 5 journeys entering that day now reached the goal
