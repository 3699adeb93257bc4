"""Incremental nights: after daily deliveries (late events and links that join customers seen
before among them), every analyst-facing table equals what a full rebuild computes."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb

from journeymine import sql
from journeymine.analysis import analyse
from journeymine.config import Config, load_config
from journeymine.generate import generate
from journeymine.identity import stitch
from journeymine.mapping import JourneyMap, load_map
from journeymine.periods.compare import Group, _counts
from journeymine.report.scope import ReportScope, materialise
from journeymine.warehouse import connect
from tests.conftest import SAMPLE_CONFIG, customer_ids, deliver, ingest_all, write_config

# columns that say when a row was written, not what it says
_RUN_TIME = {"computed_at", "flagged_at", "quarantined_at", "started_at", "finished_at"}
_NOT_COMPARED = {"runs", "loads", "duckdb_logs"}  # bookkeeping of the runs themselves


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    """Every analyst-facing table and view, rows sorted, floats rounded, run times left out."""
    names = [
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' "
            "and not temporary union all select view_name from duckdb_views() "
            "where schema_name = 'main' and not internal"
        ).fetchall()
        if r[0] not in _NOT_COMPARED
    ]
    out = {}
    for name in names:
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = 'main' "
                "and table_name = ? order by column_index",
                [name],
            ).fetchall()
            if not (c in _RUN_TIME and name not in {"journeys", "customers"})
        ]
        rows = con.execute(f"select {', '.join(map(_quote, columns))} from {name}").fetchall()
        out[name] = sorted((tuple(_round(v) for v in row) for row in rows), key=repr)
    return out


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _round(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value):
        return round(value, 9)
    return value


def test_incremental_nights_equal_a_full_rebuild(tmp_path: Path) -> None:
    sample = generate(tmp_path / "gen", 3000, seed=21, daily_files=True, late_share=0.08)
    assert json.loads((sample.out_dir / "ground_truth.json").read_text())["late_events"] > 0
    data = tmp_path / "data"
    config = load_config(write_config(tmp_path, data))
    journey_map = load_map(config.map_path)
    history, nights = sample.deliveries[:45], [[d] for d in sample.deliveries[45:50]]
    merged = 0
    with connect(config.warehouse_path) as con:
        for n, batch in enumerate([history, *nights]):
            if n == 1:
                _store_the_working_tables(con)  # as earlier versions of journeymine did
            deliver(batch, data)
            before = customer_ids(con)
            ingest_all(con, config)
            stitched = stitch(con)
            merged += len(before - customer_ids(con))
            analysis = analyse(con, config, journey_map, incremental=True)
            built = analysis.report.built
            assert built.full == (n == 0), built
            assert _stored(con) == {"view"}  # the working tables are never stored
            if n:
                assert stitched.nodes_relabelled < stitched.nodes
                weeks = analysis.history.changed.get("week", ())
                all_weeks = con.execute(
                    "select count(distinct period_start) from touchpoint_history "
                    "where grain = 'week'"
                ).fetchall()[0][0]
                assert len(weeks) < all_weeks  # only the touched weeks were recomputed
        assert merged > 0  # a night joined customers that earlier nights kept apart
        first_night = nights[0][0]["web"].name.removeprefix("clickstream-")[:10]
        late = con.execute(
            "select count(*) from events e join loads l using (load_id) "
            "where cast(regexp_extract(l.file, '(\\d{4}-\\d{2}-\\d{2})', 1) as date) >= ? "
            "and e.occurred_at < cast(regexp_extract(l.file, '(\\d{4}-\\d{2}-\\d{2})', 1) "
            "as date)",
            [first_night],
        ).fetchall()[0][0]
        assert late > 0  # a night's files carried events of earlier days
        incremental = _tables(con)
        profile_segments = _profile_segments(con)
        _assert_report_counts_equal_the_journeys(con)
        _assert_compare_counts_equal_the_journeys(con)

        rebuilt_identity = stitch(con, full=True)
        rebuilt = analyse(con, config, journey_map, incremental=False)
        assert rebuilt_identity.events_updated == 0
        assert rebuilt.report.built.full
        assert rebuilt.history.changed == {}  # no period differs from the incremental history
        full = _tables(con)
        assert _profile_segments(con) == profile_segments  # kept, not rebuilt, by the nights

        _assert_report_counts_equal_the_journeys(con)
        _assert_compare_counts_equal_the_journeys(con)

    assert incremental.keys() == full.keys()
    for name in full:
        assert incremental[name] == full[name], name
    assert len(full["journeys"]) > 300 and len(full["touchpoint_history"]) > 1000


def _store_the_working_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Stale stored copies of the per-journey working tables, where a night must not read
    them, and a journeys table: they are dropped, and int_journey_segments and journeys are
    views again (earlier versions stored them)."""
    con.execute(
        "create table jm_internal.int_journey_attributes "
        "(journey_id varchar, name varchar, value varchar)"
    )
    con.execute(
        "create table jm_internal.int_journey_cycles (journey_id varchar, start_step bigint)"
    )
    con.execute("create table jm_internal.int_node_visits (journey_id varchar, node varchar)")
    con.execute(
        "create table jm_internal.int_moves (journey_id varchar, step bigint, "
        "from_touchpoint varchar, to_touchpoint varchar, seconds double, designed boolean, "
        "after_goal boolean, goal_after boolean)"
    )
    con.execute(
        "create table jm_internal.stale_segments as select * from jm_internal.int_journey_segments"
    )
    con.execute("drop view jm_internal.int_journey_segments")
    con.execute("alter table jm_internal.stale_segments rename to int_journey_segments")
    con.execute("create table stale_journeys as select * from journeys")
    con.execute("drop view journeys")
    con.execute("alter table stale_journeys rename to journeys")
    assert _stored(con) == {"table"}


def _stored(con: duckdb.DuckDBPyConnection) -> set[str]:
    """How the working tables, int_journey_segments and journeys are stored: 'table' or
    'view'."""
    return {
        kind
        for (kind,) in con.execute(
            "select 'table' from duckdb_tables() where (schema_name = 'jm_internal' "
            "and table_name in ('int_moves', 'int_journey_attributes', 'int_journey_segments', "
            "'int_journey_cycles', 'int_node_visits')) "
            "or (schema_name = 'main' and table_name = 'journeys') "
            "union all select 'view' from duckdb_views() where (schema_name = 'jm_internal' "
            "and view_name = 'int_journey_segments') "
            "or (schema_name = 'main' and view_name = 'journeys')"
        ).fetchall()
    }


def _profile_segments(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    rows = con.execute("select * from jm_internal.int_profile_segments order by all").fetchall()
    assert rows
    return rows


# the report models as they were before the kept counts: read every journey of the scope
_REPORT_ORACLE = Path(__file__).parent / "fixtures" / "report_oracle"


def _assert_report_counts_equal_the_journeys(con: duckdb.DuckDBPyConnection) -> None:
    """The report's models summed from int_report_counts give what the same models give
    from the scope's journeys, for the whole period and everyone, a range of entry dates, a
    segment, and both."""
    middle, last = con.execute(
        "select cast(quantile_disc(started_at, 0.5) as date), cast(max(started_at) as date) "
        "from journeys"
    ).fetchall()[0]
    persona = con.execute(
        "select segment_value from jm_internal.int_journey_segments where segment = 'persona' "
        "group by all order by count(*) desc limit 1"
    ).fetchall()[0][0]
    scopes = [
        ReportScope(),
        ReportScope(date_from=middle),
        ReportScope(date_from=middle, date_to=middle),
        ReportScope(date_to=middle, segment="persona", segment_value=persona),
        ReportScope(date_from=last + timedelta(days=1)),  # no journey
    ]
    for scope in scopes:
        params = scope.params()
        materialise(con, params)
        for name in ("node_journeys", "flows", "segments", "emotion"):
            oracle = (_REPORT_ORACLE / f"{name}.sql").read_text(encoding="utf-8")
            expected = sql.execute(con, oracle, params).fetchall()
            kept = sql.execute(con, sql.load(f"report/{name}"), params).fetchall()
            assert [tuple(map(_round, r)) for r in kept] == [
                tuple(map(_round, r)) for r in expected
            ], (name, scope)
            if scope.date_from != last + timedelta(days=1) and name != "flows":
                assert expected, (name, scope)


def _assert_compare_counts_equal_the_journeys(con: duckdb.DuckDBPyConnection) -> None:
    """What `journeymine compare` sums from int_start_counts equals what it counted from every
    journey's visits before (tests/fixtures/compare_oracle.sql, on the visits built again),
    for groups by dates, by segments (persona, an attribute) and both."""
    con.execute("create or replace temp table jm_scope_journeys (journey_id varchar)")
    sql.execute(
        con,
        "create or replace temp table oracle_visits as\n" + sql.load("mine/int_node_visits"),
        {"scoped": False},
    )
    oracle = sql.redirect(
        (Path(__file__).parent / "fixtures" / "compare_oracle.sql").read_text(encoding="utf-8"),
        {"jm_internal.int_node_visits": "oracle_visits"},
    )
    first, middle, last = con.execute(
        "select cast(min(started_at) as date), cast(quantile_disc(started_at, 0.5) as date), "
        "cast(max(started_at) as date) from journeys"
    ).fetchall()[0]
    persona, attribute, value = con.execute(
        "select (select segment_value from jm_internal.int_journey_segments "
        "where segment = 'persona' group by all order by count(*) desc limit 1), "
        "segment, segment_value from jm_internal.int_journey_segments "
        "where segment like 'attribute:%' group by all order by count(*) desc limit 1"
    ).fetchall()[0]
    whole, early, late = Group(first, last), Group(first, middle), Group(middle, last)
    pairs = [
        (whole, whole),
        (early, late),
        (Group(first, middle, "persona", persona), Group(middle, last, attribute, value)),
        (Group(middle, middle), Group(last + timedelta(days=1), last + timedelta(days=2))),
    ]
    for a, b in pairs:
        bounds = {
            f"{side}_{end}": value
            for side, g in (("a", a), ("b", b))
            for end, value in (("from", g.start), ("to", g.end + timedelta(days=1)))
        }
        segments = {"a_segment": a.segment, "a_value": a.segment_value}
        segments |= {"b_segment": b.segment, "b_value": b.segment_value}
        expected = {
            (side, level, node): (n, drops, goals)
            for side, level, node, n, drops, goals in sql.execute(
                con, oracle, bounds | segments
            ).fetchall()
        }
        assert _counts(con, a, b) == expected, (a, b)
        assert any(side == "a" for side, _, _ in expected), (a, b)


def test_a_changed_map_rebuilds_every_journey(tmp_path: Path) -> None:
    """The journeys' fingerprint covers the map: designing a new move changes which journeys
    conform, so every journey is rebuilt, and the result is what a full build gives."""
    sample = generate(tmp_path / "gen", 600, seed=4)
    config = load_config(write_config(tmp_path, sample.out_dir))
    with connect(config.warehouse_path) as con:
        ingest_all(con, config)
        stitch(con)
        assert analyse(con, config, load_map(config.map_path), incremental=True).report.built.full
        again = analyse(con, config, load_map(config.map_path), incremental=True).report.built
        assert not again.full and again.customers == 0  # nothing new: nothing rebuilt
        changed = tmp_path / "map.yaml"
        text = config.map_path.read_text(encoding="utf-8")
        designed = "  - {from: social_ad, to: [product_page, home]}"
        assert designed in text
        changed.write_text(
            text.replace(designed, "  - {from: social_ad, to: [product_page, home, checkout]}"),
            encoding="utf-8",
        )
        after = analyse(con, config, load_map(changed), incremental=True)
        assert after.report.built.full and "map" in after.report.built.reason
        incremental = _tables(con)
        analyse(con, config, load_map(changed), incremental=False)
        assert _tables(con) == incremental


@contextmanager
def _analysed(
    tmp_path: Path, events: int, *, seed: int
) -> Iterator[tuple[duckdb.DuckDBPyConnection, Config, JourneyMap]]:
    """A warehouse of a generated sample, loaded, stitched and analysed once."""
    sample = generate(tmp_path / "gen", events, seed=seed)
    config = load_config(write_config(tmp_path, sample.out_dir))
    journey_map = load_map(config.map_path)
    with connect(config.warehouse_path) as con:
        ingest_all(con, config)
        stitch(con)
        analyse(con, config, journey_map, incremental=True)
        yield con, config, journey_map


def test_a_night_replays_only_variants_new_on_this_map(tmp_path: Path) -> None:
    """Token replay is kept per variant and map: a second analysis replays nothing, and the
    kept replays equal a fresh one's."""
    with _analysed(tmp_path, 800, seed=6) as (con, config, journey_map):
        first = _tables(con)["variants"]
        deviating = con.execute("select count(*) from variants where not conforms").fetchall()
        assert deviating[0][0] > 0
        con.execute("update jm_internal.variant_replay set fitness = -1 where fitness < 1")
        analyse(con, config, journey_map, incremental=True)
        kept = con.execute("select count(*) from variants where fitness = -1").fetchall()[0][0]
        assert kept == deviating[0][0]  # not replayed again: the kept replay was used
        con.execute("delete from jm_internal.variant_replay")
        analyse(con, config, journey_map, incremental=True)
        assert _tables(con)["variants"] == first


def test_the_replay_fingerprint_covers_what_a_replay_depends_on() -> None:
    """A goal ends a variant's replay sequence, so a map with other goals replays afresh."""
    from dataclasses import replace

    from journeymine.mine.conformance import _map_fingerprint

    journey_map = load_map(SAMPLE_CONFIG.parent / "journey_map.yaml")
    assert _map_fingerprint(journey_map) == _map_fingerprint(
        load_map(SAMPLE_CONFIG.parent / "journey_map.yaml")
    )
    touchpoints = dict(journey_map.touchpoints)
    goal = journey_map.goals[0]
    touchpoints[goal] = replace(touchpoints[goal], is_goal=False)
    other = replace(journey_map, touchpoints=touchpoints)
    assert other.goals != journey_map.goals
    assert _map_fingerprint(other) != _map_fingerprint(journey_map)


def test_every_kept_count_is_brought_up_to_date_by_exactly_one_step() -> None:
    """A summary left out of both steps would have its old journeys' counts subtracted and
    never its rebuilt ones' added."""
    from journeymine.mine import scope

    steps = scope.GRAPH_SUMMARIES + scope.PROFILE_SUMMARIES
    assert sorted(steps) == sorted(table for table, _, _, _, _ in scope.SUMMARIES)
    assert len(set(steps)) == len(steps)


def _tables_read(text: str) -> set[str]:
    """The tables a statement reads, schema-qualified where it qualifies them (sqlglot)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(text, read="duckdb")
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    return {
        f"{t.db}.{t.name}" if t.db else t.name
        for t in tree.find_all(exp.Table)
        if t.name not in ctes
    }


def test_a_night_reads_the_scope_s_copies_not_the_per_journey_tables() -> None:
    """Every scoped statement of a night reads the temp copies of the scope's rows: reading a
    per-journey table instead would still count right (the scope filters stay) but read all
    history. A model that starts reading another per-journey table fails here."""
    from journeymine.mine import scope

    per_journey = {table for table, _ in scope.PER_JOURNEY} | {"events"}
    for _, model in scope.PER_JOURNEY:
        assert not _tables_read(scope._reading(model, "new")) & per_journey, model
    for summary in scope.SUMMARIES:
        for rows in ("old", "new"):
            read = _tables_read(scope._reading(summary.model, rows))
            assert not read & per_journey, (summary.model, rows, read & per_journey)
    # a full build reads the working tables from where it keeps them until it ends, never
    # from the names analysts read (the segments' view)
    for model in (*(model for _, model in scope.PER_JOURNEY), "mine/int_profile_segments"):
        assert not _tables_read(scope._reading_working(model)) & set(scope.WORKING), model
    assert "jm_internal.jm_work__int_journey_segments" in _tables_read(
        scope._reading_working("mine/int_journey_profiles")
    )
    # and the copies are what the models read instead
    assert "jm_new__int_moves" in _tables_read(scope._reading("journeys/int_journeys", "new"))
    assert "jm_old__int_node_visits" in _tables_read(scope._reading("mine/int_node_counts", "old"))
    assert scope.SCOPE_EVENTS in _tables_read(scope._reading("journeys/journey_steps", "new"))


def test_redirect_swaps_only_the_tables_read() -> None:
    import pytest

    from journeymine import sql
    from journeymine.errors import JourneymineError

    text = (
        "select m.journeys, journey_steps.step from journey_steps as s\n"
        "inner join jm_internal.int_moves as m on m.journey_id = s.journey_id\n"
        "left JOIN\n  journeys on true, journey_steps_old, (select 1 from events_x) as e"
    )
    out = sql.redirect(
        text,
        {
            "journey_steps": "jm_new__journey_steps",
            "jm_internal.int_moves": "jm_new__int_moves",
            "journeys": "jm_new__journeys",
            "events": "jm_scope_events",
        },
    )
    assert out == (
        "select m.journeys, journey_steps.step from jm_new__journey_steps as s\n"
        "inner join jm_new__int_moves as m on m.journey_id = s.journey_id\n"
        "left JOIN\n  jm_new__journeys on true, journey_steps_old, (select 1 from events_x) as e"
    )
    assert sql.redirect(text, {}) == text
    # a table named in another case is still the table; a comment is left as written
    commented = "-- reads from journey_steps\nselect 1 FROM Journey_Steps as s -- from events"
    assert sql.redirect(commented, {"journey_steps": "x", "events": "y"}) == (
        "-- reads from journey_steps\nselect 1 FROM x as s -- from events"
    )
    with pytest.raises(JourneymineError, match="not a table name"):
        sql.redirect(text, {"journeys": "x; drop table journeys"})


def test_a_night_that_changes_most_customers_rebuilds_every_journey(tmp_path: Path) -> None:
    """Past scope.FULL_REBUILD_SHARE of the customers, the scoped rebuild costs more than a
    full one: the night rebuilds everything, says why, and gives what a full build gives."""
    from journeymine.mine import scope

    with _analysed(tmp_path, 600, seed=4) as (con, config, journey_map):
        everyone = con.execute("select count(*) from customers").fetchall()[0][0]
        few = int(everyone * scope.FULL_REBUILD_SHARE)  # at the share: still scoped
        con.execute(
            f"insert into jm_internal.pending_customers (customer_id) "
            f"select customer_id from customers order by customer_id limit {few}"
        )
        at_share = analyse(con, config, journey_map, incremental=True).report.built
        assert not at_share.full and at_share.customers == few
        con.execute(
            f"insert into jm_internal.pending_customers (customer_id) "
            f"select customer_id from customers order by customer_id limit {few + 1}"
        )
        over = analyse(con, config, journey_map, incremental=True).report.built
        assert over.full and f"{few + 1} of {everyone} customers changed" in over.reason
        assert con.execute("select count(*) from jm_internal.pending_customers").fetchall() == [
            (0,)
        ]
        night = _tables(con)
        analyse(con, config, journey_map, incremental=False)
        assert _tables(con) == night


def test_a_night_rebuilds_a_customer_s_journeys_from_the_one_its_new_events_can_change(
    tmp_path: Path,
) -> None:
    """New events after a break add a journey and leave the old ones; events that may continue
    the last journey (also one whose last event was a collapsed repeat, later than its last
    step) or arrive late rebuild from that journey on; an event that left a customer rebuilds
    the journey it left; a customer queued without a since rebuilds every journey. Whatever is
    rebuilt, the tables equal a full build's."""
    from journeymine.config import Journeys, Mining
    from journeymine.mine import mine
    from tests.mining import T0, add_events, events_warehouse
    from tests.test_mapping import SMALL

    (tmp_path / "map.yaml").write_text(SMALL, encoding="utf-8")
    journey_map = load_map(tmp_path / "map.yaml")
    config = load_config(SAMPLE_CONFIG).model_copy(  # a week's break ends a journey
        update={"journeys": Journeys(inactivity_gap_hours=168), "mining": Mining()}
    )
    con = events_warehouse(
        {
            "gap": [("ad", 0), ("home", 0.01)],
            "continues": [("ad", 0), ("home", 0.01)],
            "repeat": [("home", 0), ("cart", 0.01), ("cart", 6.5)],  # collapsed, 6.5 days on
            "late": [("ad", 0), ("home", 0.01), ("ad", 20), ("home", 20.01)],
            "moved": [("ad", 0), ("home", 0.01), ("ad", 20)],
            "lost": [("ad", 0), ("home", 0.01), ("ad", 20), ("home", 20.01), ("cart", 30)],
            # customers without new events: a night of six is within the scoped share
            **{f"untouched{i}": [("home", i), ("cart", i + 0.01)] for i in range(12)},
        }
    )
    con.execute("create table customers as select distinct customer_id from events")
    mine(con, config, journey_map, incremental=True)
    new = {  # customer: (touchpoint, day) of the night's events
        "gap": [("home", 10), ("cart", 10.01)],  # 10 days on: a journey of its own
        "continues": [("cart", 5), ("paid", 5.01)],  # 5 days on: the same journey
        "repeat": [("paid", 13)],  # 13 days after the last step, 6.5 after the repeat
        "late": [("cart", 10)],  # between the two journeys, 10 days from each
        "moved": [("cart", 30)],
    }
    for customer, steps in new.items():
        add_events(con, customer, steps)
        since = None if customer == "moved" else T0 + timedelta(days=steps[0][1])
        con.execute(
            "insert into jm_internal.pending_customers values (?, ?, false)", [customer, since]
        )
    # lost's fourth event is re-pointed to another customer: its next, 10 days on, still
    # starts a journey, but the journey it leaves changes
    con.execute("delete from events where event_id = 'lost-3'")
    con.execute(
        "insert into jm_internal.pending_customers values ('lost', ?, true)",
        [T0 + timedelta(days=20.01)],
    )
    old = {r[0] for r in con.execute("select journey_id from journeys").fetchall()}
    night = mine(con, config, journey_map, incremental=True)
    assert not night.built.full and night.built.customers == 6
    assert dict(con.execute("select * from jm_scope_from").fetchall()) == {
        "gap": 2,  # gap/0001 stays
        "continues": 1,
        "repeat": 1,
        "late": 2,  # late/0001 stays; the event is journey 2, the old journey 2 becomes 3
        "moved": 1,
        "lost": 2,  # the journey the event left is rebuilt, the one before it stays
    }
    journeys = dict(con.execute("select journey_id, events from journeys").fetchall())
    assert journeys["gap/0002"] == 2 and journeys["continues/0001"] == 4
    assert journeys["repeat/0001"] == 3 and "repeat/0002" not in journeys
    assert journeys["late/0002"] == 1 and journeys["late/0003"] == 2
    assert journeys["lost/0002"] == 1 and journeys["lost/0003"] == 1
    assert old - set(journeys) == set()
    incremental = _tables(con)
    mine(con, config, journey_map, incremental=False)
    full = _tables(con)
    for name in full:
        assert incremental[name] == full[name], name
    con.close()


def test_a_stitch_queues_customers_from_their_earliest_changed_event() -> None:
    """A stitch queues each customer from the earliest event that comes to it or leaves it,
    new or re-pointed, and says whether events left it."""
    from datetime import datetime

    con = duckdb.connect()
    con.execute(
        "create table events (identity_key varchar, customer_id varchar, occurred_at timestamp)"
    )
    con.execute(
        "insert into events values "
        "('cookie:b', 'B', '2026-09-01 10:00'),"  # B's old event, joined to A by the link
        "('email:a', null, '2026-09-20 09:00'),"  # the new event that brings the link
        "('cookie:c', null, '2026-09-20 11:00'), ('cookie:c', null, '2026-09-20 08:00'),"
        "('cookie:d', 'D', '2026-09-01 10:00')"  # not relabelled
    )
    con.execute(
        "create temp table jm_stitched as select * from (values "
        "('cookie:b', 'A'), ('email:a', 'A'), ('cookie:c', 'C')) as t(node, customer_id)"
    )
    rows = {r[0]: r[1:] for r in sql.fetch(con, "identity/int_stitch_customers")}
    assert rows == {
        "A": (datetime(2026, 9, 1, 10, 0), False),  # B's old event came
        "B": (datetime(2026, 9, 1, 10, 0), True),  # and left B
        "C": (datetime(2026, 9, 20, 8, 0), False),
    }
