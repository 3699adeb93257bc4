"""Which journeys a night rebuilds: all of them, or only those that the events changed since
the last build can change (incremental nights).

Every per-journey table (``journey_steps`` and the ``int_*`` models keyed by journey; the view
``journeys`` reads ``int_journeys``) depends only on its customer's events, the map and the
settings. So a night can delete the journeys of the customers in
``jm_internal.pending_customers`` (new events, or events that stitching re-pointed, under their
old and their new id), rebuild just those from their events. Of each such customer it rebuilds
only the journeys from the one the earliest changed event can change on
(``sql/journeys/int_scope_from.sql``): a returning customer's new journey is added, and the old
ones stay. Five per-journey models only feed models of the same build (the moves, the event
attributes, the segments, the node visits, the rework cycles: ``WORKING``): a night builds them
as temp tables for its journeys and neither deletes nor writes stored rows (the counts that
read them take the old journeys' moves, visits and cycles built again from their old steps and
journeys); a full build keeps every journey's in tables it drops when it ends (out of memory,
see ``_work``). The additive counts over all journeys (``SUMMARIES``) are updated the same
way: the scope's old journeys' counts are subtracted before they are deleted and the rebuilt
ones' added, so a night never rereads every journey for them. The map, the settings and the
per-journey models' SQL are fingerprinted in ``jm_internal.build_state``: when any of them
differs from the last build, every journey is rebuilt, and the run says why; so is every
journey when the night's customers are more than ``FULL_REBUILD_SHARE`` of all.

The periods whose history these journeys touch, before and after, are kept in temp table
``jm_touched_weeks`` (ISO weeks) for the history to recompute only those.

DuckDB finds a few customers' rows by reading a table's columns whole, so a night that let
every scoped statement read the per-journey tables would read all history dozens of times.
It reads each once instead: the scope's events, its old journeys' rows (before they are
deleted) and its rebuilt journeys' rows go to temp copies (``SCOPE_EVENTS``, ``jm_old__*``,
``jm_new__*``), and the scoped statements read those (``sql.redirect``). The models keep their
scope filters, so a statement that read a whole table would still count only the scope. The
old rows' copies keep each row's ``rowid``, so deleting them reads no column of the table.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import duckdb

from journeymine import sql
from journeymine.config import Config
from journeymine.warehouse import has_table

log = logging.getLogger("journeymine.mine")

# the per-journey tables, in build order: (table, model); each holds journey_id
PER_JOURNEY: tuple[tuple[str, str], ...] = (
    ("journey_steps", "journeys/journey_steps"),
    ("jm_internal.int_moves", "mine/int_moves"),
    ("jm_internal.int_journey_attributes", "journeys/int_journey_attributes"),
    ("jm_internal.int_journeys", "journeys/int_journeys"),
    ("jm_internal.int_journey_segments", "mine/int_journey_segments"),
    ("jm_internal.int_node_visits", "mine/int_node_visits"),
    ("jm_internal.int_journey_profiles", "mine/int_journey_profiles"),
    ("jm_internal.int_journey_cycles", "mine/int_journey_cycles"),
)


# per-journey tables that only models of the same build read: the moves (the graph's counts,
# int_journeys, the cycles and the profile counts read them), the event attributes (segments
# and personas read them), the segments (the profiles read them), the node visits (the
# profile counts read them; `journeymine compare` sums int_start_counts) and the rework cycles
# (the cycle counts read them). A night keeps them as temp tables for the journeys it builds,
# so it neither deletes nor writes stored rows of them; a full build keeps them until it ends
# (_work). Analysts and the report read a journey's segments from the view
# jm_internal.int_journey_segments: its profile's segments.
WORKING: tuple[str, ...] = (
    "jm_internal.int_moves",
    "jm_internal.int_journey_attributes",
    "jm_internal.int_journey_segments",
    "jm_internal.int_node_visits",
    "jm_internal.int_journey_cycles",
)
SEGMENTS_VIEW = "jm_internal.int_journey_segments"
# analysts' journeys: int_journeys with its variant's fitness (earlier versions stored a table)
JOURNEYS_VIEW = "journeys"


class Summary(NamedTuple):
    """Counts over all journeys kept up to date by the journeys a night rebuilds. Every column
    but ``keys`` is a count; the model counts only jm_scope_journeys when $scoped."""

    table: str
    model: str
    keys: tuple[str, ...]
    present: str  # the count that is zero exactly when no journey is counted
    step: str  # when mine() brings it up to date: "graph" once int_moves is built,
    # "profile" once int_journey_profiles is


# in build order
SUMMARIES: tuple[Summary, ...] = (
    Summary(
        "jm_internal.int_transition_counts",
        "mine/int_transition_counts",
        ("from_touchpoint", "to_touchpoint"),
        "occurrences",
        "graph",
    ),
    Summary(
        "jm_internal.int_move_seconds",
        "mine/int_move_seconds",
        ("from_touchpoint", "to_touchpoint", "seconds"),
        "moves",
        "graph",
    ),
    Summary(
        "jm_internal.int_node_counts",
        "mine/int_node_counts",
        ("profile", "level", "node"),
        "journeys",
        "profile",
    ),
    Summary(
        "jm_internal.int_next_seconds",
        "mine/int_next_seconds",
        ("profile", "touchpoint", "seconds_to_next"),
        "steps",
        "profile",
    ),
    Summary(
        "jm_internal.int_undesigned_counts",
        "mine/int_undesigned_counts",
        ("profile", "from_touchpoint", "to_touchpoint"),
        "took",
        "profile",
    ),
    Summary(
        "jm_internal.int_profile_journeys",
        "mine/int_profile_journeys",
        ("profile",),
        "journeys",
        "profile",
    ),
    Summary(
        "jm_internal.int_stage_reach",
        "mine/int_stage_reach",
        ("profile", "furthest_stage"),
        "journeys",
        "profile",
    ),
    Summary(
        "jm_internal.int_cycle_repeats",
        "mine/int_cycle_repeats",
        ("cycle", "first_touchpoint", "profile"),
        "journeys",
        "profile",
    ),
    Summary(
        "jm_internal.int_cycle_touchpoints",
        "mine/int_cycle_touchpoints",
        ("cycle", "touchpoint"),
        "rounds",
        "profile",
    ),
    Summary(
        "jm_internal.int_period_counts",
        "time/int_period_counts",
        ("profile", "day", "level", "node"),
        "journeys",
        "profile",
    ),
    Summary(
        "jm_internal.int_start_counts",
        "time/int_start_counts",
        ("profile", "started_on", "level", "node"),
        "journeys",
        "profile",
    ),
    Summary(
        "jm_internal.int_visit_sets",
        "mine/int_visit_sets",
        ("visited_set", "profile", "touchpoint"),
        "journeys",
        "profile",
    ),
    Summary(
        "jm_internal.int_report_counts",
        "report/int_report_counts",
        ("started_on", "profile", "kind", "subject", "object"),
        "journeys",
        "profile",
    ),
)
# a night whose customers are more than this share of all rebuilds every journey instead:
# measured on 30 days of the 10M-event daily log (686,292 customers), the scoped analysis
# took 7.7 s for 5.5% of them, 17.7 s for 20%, 25.7 s for 34% and 30.8 s for 53%, where
# rebuilding every journey took 26.1 s: the two cross at about 35% (docs/performance.md)
FULL_REBUILD_SHARE = 0.35
# the stored per-journey tables the counts (SUMMARIES) read, or the working tables they read
# are built from: a night copies the scope's old rows of these before deleting them
_COUNTED_FROM: tuple[str, ...] = (
    "journey_steps",
    "jm_internal.int_journeys",
    "jm_internal.int_journey_profiles",
)
# of these, the tables whose old rows the counts read only a few columns of: the copy takes
# those (a model that reads another fails on the copy, in every test of a night), since a
# copy costs a read of each column it takes from every row of the table
_COUNTED_COLUMNS: dict[str, tuple[str, ...]] = {
    "journey_steps": (
        "journey_id",
        "step",
        "touchpoint",
        "next_touchpoint",
        "seconds_to_next",
        "occurred_at",
        "is_goal",
        "after_goal",
        "goal_later",
    ),
    "jm_internal.int_journeys": (
        "journey_id",
        "started_at",
        "variant_id",
        "channel_list",
        "last_touchpoint",
        "reached_goal",
        "conforms",
    ),
}
# working tables the counts read too, in build order: the scope's old rows of these are built
# again from the copies of the _COUNTED_FROM tables (the old moves, visits and cycles from the
# old steps and journeys), since none is stored
_COUNTED_REBUILT: tuple[tuple[str, str], ...] = (
    ("jm_internal.int_moves", "mine/int_moves"),
    ("jm_internal.int_node_visits", "mine/int_node_visits"),
    ("jm_internal.int_journey_cycles", "mine/int_journey_cycles"),
)
# the scope's touchpoint events, with the columns the scoped journey_steps and
# int_journey_attributes read (the only models that read events)
SCOPE_EVENTS = "jm_scope_events"
_SCOPE_EVENT_COLUMNS = (
    "customer_id, source, event_id, touchpoint, channel, occurred_at, load_id, record_no, "
    "attributes"
)
GRAPH_SUMMARIES = tuple(s.table for s in SUMMARIES if s.step == "graph")
PROFILE_SUMMARIES = tuple(s.table for s in SUMMARIES if s.step == "profile")
_MAP_TABLES = ("map_stages", "map_touchpoints", "map_transitions", "map_targets", "map_personas")
# raised when what the models are given changes outside their SQL, the map and the settings
# (2: no placeholder attribute when no segment attributes are configured)
_FINGERPRINT_VERSION = "2"


@dataclass(frozen=True)
class Scope:
    """What this build covers: every journey, or the journeys of ``customers`` customers."""

    full: bool
    reason: str
    customers: int = 0

    def describe(self) -> str:
        if self.full:
            return f"journeys: full rebuild ({self.reason})"
        return f"journeys: rebuilt for {self.customers} customer(s) with new or re-pointed events"


def create_scope_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The scope's temp tables, empty (a full build reads them empty)."""
    con.execute(
        "create or replace temp table jm_scope_customers "
        "(customer_id varchar, since timestamp, lost_events boolean)"
    )
    con.execute("create or replace temp table jm_scope_from (customer_id varchar, from_no bigint)")
    con.execute("create or replace temp table jm_scope_journeys (journey_id varchar)")
    con.execute("create or replace temp table jm_touched_weeks (period_start date)")


def fingerprint(con: duckdb.DuckDBPyConnection, config: Config) -> str:
    """A hash of what every journey was built with: the map tables, the journey settings,
    the segment attributes and the per-journey models' SQL."""
    digest = hashlib.sha256(_FINGERPRINT_VERSION.encode())
    for table in _MAP_TABLES:
        rows = con.execute(f"select * from {table}").fetchall()
        digest.update(repr(sorted(map(repr, rows))).encode())
    digest.update(config.journeys.model_dump_json().encode())
    # the one mining setting a per-journey model reads (int_journey_cycles)
    digest.update(f"max_cycle_length={config.mining.max_cycle_length}".encode())
    for _, model in PER_JOURNEY:
        digest.update(sql.load(model).encode())
    for summary in SUMMARIES:
        digest.update(sql.load(summary.model).encode())
    return digest.hexdigest()


def decide(con: duckdb.DuckDBPyConnection, config: Config, *, incremental: bool) -> Scope:
    """Full or incremental, and why; creates the (empty) scope temp tables either way."""
    create_scope_tables(con)
    if not incremental:
        return Scope(full=True, reason="asked for")
    built = con.execute(
        "select value from jm_internal.build_state where key = 'journeys_fingerprint'"
    ).fetchall()
    if not built:
        return Scope(full=True, reason="first build")
    if built[0][0] != fingerprint(con, config):
        return Scope(full=True, reason="the map, the journey settings or the models changed")
    missing = [t for t, _ in PER_JOURNEY if t not in WORKING and not has_table(con, t)]
    missing += [s.table for s in SUMMARIES if not has_table(con, s.table)]
    missing += [t for t in ("jm_internal.int_profile_segments",) if not has_table(con, t)]
    if missing:
        return Scope(full=True, reason=f"{missing[0]} is missing")
    # a customer queued by several stitches: from the earliest of its changed events (every
    # journey when a since is not known)
    con.execute(
        "insert into jm_scope_customers select customer_id, "
        "case when count(since) = count(*) then min(since) end, "
        "coalesce(bool_or(lost_events), false) "
        "from jm_internal.pending_customers group by customer_id"
    )
    customers, everyone = con.execute(
        "select (select count(*) from jm_scope_customers), (select count(*) from customers)"
    ).fetchall()[0]
    if customers > FULL_REBUILD_SHARE * everyone:
        con.execute("delete from jm_scope_customers")
        return Scope(
            full=True,
            reason=f"{customers} of {everyone} customers changed, over "
            f"{FULL_REBUILD_SHARE:.0%}: rebuilding every journey costs less",
        )
    return Scope(full=False, reason="", customers=int(customers))


def remove_scoped_journeys(con: duckdb.DuckDBPyConnection, params: dict[str, object]) -> None:
    """Copy the scope's events, find the journeys they can change (``jm_scope_from``), copy
    those journeys' current rows, note the weeks they count in and subtract their counts, then
    delete them."""
    con.execute(
        f"create or replace temp table {SCOPE_EVENTS} as select {_SCOPE_EVENT_COLUMNS} "
        "from events where touchpoint is not null "
        "and customer_id in (select customer_id from jm_scope_customers)"
    )
    sql.execute(
        con,
        "insert into jm_scope_from\n"
        + sql.redirect(sql.load("journeys/int_scope_from"), {"events": SCOPE_EVENTS}),
        params,
    )
    con.execute(
        "insert into jm_scope_journeys select j.journey_id from jm_internal.int_journeys as j "
        "inner join jm_scope_from as f "
        "on f.customer_id = j.customer_id and j.journey_no >= f.from_no"
    )
    (replaced,) = con.execute("select count(*) from jm_scope_journeys").fetchall()[0]
    log.info("journeys: %d of the scope's customers' current journeys to rebuild", replaced)
    for table in _COUNTED_FROM:
        # with each row's rowid: the delete below finds the rows by it, not by another probe
        # of every journey_id (the table is unchanged in between, in the same transaction)
        columns = ", ".join(_COUNTED_COLUMNS.get(table, ("*",)))
        con.execute(
            f"create or replace temp table {_rows(table)} as select rowid as jm_row, {columns} "
            f"from {table} where journey_id in (select journey_id from jm_scope_journeys)"
        )
        con.execute(
            f"create or replace temp view {_copy(table, 'old')} as "
            f"select * exclude (jm_row) from {_rows(table)}"
        )
    for table, model in _COUNTED_REBUILT:
        sql.execute(
            con,
            f"create or replace temp table {_copy(table, 'old')} as\n{_reading(model, 'old')}",
            params | {"scoped": True},
        )
    _note_touched_weeks(con, "old")
    _count_scope(con, SUMMARIES, sign=-1)
    for table, _ in PER_JOURNEY:
        if table in WORKING:
            continue
        if table in _COUNTED_FROM:
            con.execute(f"delete from {table} where rowid in (select jm_row from {_rows(table)})")
        else:
            con.execute(
                f"delete from {table} "
                "where journey_id in (select journey_id from jm_scope_journeys)"
            )
    for table in _COUNTED_FROM:
        con.execute(f"drop view {_copy(table, 'old')}")
        con.execute(f"drop table {_rows(table)}")
    for table, _ in _COUNTED_REBUILT:
        con.execute(f"drop table {_copy(table, 'old')}")


def scope_new_journeys(con: duckdb.DuckDBPyConnection) -> None:
    """After the scope's steps are rebuilt: its journeys are the new ones."""
    con.execute("delete from jm_scope_journeys")
    con.execute(
        "insert into jm_scope_journeys select distinct journey_id "
        f"from {_copy('journey_steps', 'new')}"
    )


def note_new_weeks(con: duckdb.DuckDBPyConnection) -> None:
    """The weeks the rebuilt journeys count in (after int_node_visits is rebuilt)."""
    _note_touched_weeks(con, "new")


def build(
    con: duckdb.DuckDBPyConnection, table: str, model: str, params: dict[str, object], full: bool
) -> None:
    """Materialise a per-journey model: the whole table, or the scope's rows (kept in a temp
    copy for the statements after it to read) appended to it. A working table (``WORKING``)
    is only built for the build's own models: a temp copy of the scope's rows, or, in a full
    build, a table of every journey dropped when the build ends (``_work``)."""
    copy = _copy(table, "new")
    if full:
        target = _work(table) if table in WORKING else table
        sql.execute(
            con,
            f"create or replace table {target} as\n{_reading_working(model)}",
            params | {"scoped": False},
        )
        return
    sql.execute(
        con,
        f"create or replace temp table {copy} as\n{_reading(model, 'new')}",
        params | {"scoped": True},
    )
    if table not in WORKING:
        con.execute(f"insert into {table} select * from {copy}")


def summarise(con: duckdb.DuckDBPyConnection, full: bool, tables: tuple[str, ...]) -> None:
    """Bring these counts over all journeys (of ``SUMMARIES``) up to date once the per-journey
    tables they read are built: count every journey, or add the rebuilt journeys' counts to
    what is kept (the same journeys' old counts were subtracted before they were deleted)."""
    summaries = [s for s in SUMMARIES if s.table in tables]
    if full:
        for summary in summaries:
            sql.execute(
                con,
                f"create or replace table {summary.table} as\n{_reading_working(summary.model)}",
                {"scoped": False},
            )
        return
    _count_scope(con, summaries, sign=1)
    columns = _columns(con, [summary.table for summary in summaries])
    for summary in summaries:
        table, keys = summary.table, summary.keys
        counts = [c for c in columns[table] if c not in keys]
        delta = _delta_table(table)
        summed = ", ".join(f"cast(sum({c}) as bigint) as {c}" for c in counts)
        group = ", ".join(keys)
        # only the kept rows whose keys the delta holds change: rewrite those, so a night's
        # cost follows its journeys, not the table (int_period_counts grows with the days)
        same_keys = " and ".join(f"d.{k} is not distinct from kept.{k}" for k in keys)
        touched = f"exists (select 1 from {delta} as d where {same_keys})"
        con.execute(
            f"create or replace temp table jm_summed as select {group}, {summed} "
            f"from (select * from {table} as kept where {touched} "
            f"union all select * from {delta}) as counted "
            f"group by {group} having sum({summary.present}) <> 0"
        )
        con.execute(f"delete from {table} as kept where {touched}")
        con.execute(f"insert into {table} select * from jm_summed")
        con.execute(f"drop table {delta}")
        con.execute("drop table jm_summed")


def update_profile_segments(con: duckdb.DuckDBPyConnection, full: bool) -> None:
    """The segments of every segment profile that has journeys (once the profile counts are up
    to date): all of them, or the profiles new among the rebuilt journeys added and those left
    without a journey (``int_profile_journeys``) deleted."""
    table, model = "jm_internal.int_profile_segments", "mine/int_profile_segments"
    if full:
        sql.execute(
            con, f"create or replace table {table} as\n{_reading_working(model)}", {"scoped": False}
        )
        return
    con.execute(
        f"delete from {table} "
        "where profile not in (select profile from jm_internal.int_profile_journeys)"
    )
    sql.execute(
        con,
        f"insert into {table} select * from (\n{_reading(model, 'new')}\n) as added "
        f"where profile not in (select profile from {table})",
        {"scoped": True},
    )


def finish(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Record what the journeys were built with; nothing is pending any more."""
    for name in (SCOPE_EVENTS, *(_copy(table, "new") for table, _ in PER_JOURNEY)):
        con.execute(f"drop table if exists {name}")
    for table in WORKING:
        con.execute(f"drop table if exists {_work(table)}")
    for table in WORKING:  # stored by journeymine before 27 November 2026
        if has_table(con, table):
            con.execute(f"drop table {table}")
    con.execute(
        f"create or replace view {SEGMENTS_VIEW} as\n{sql.load('mine/journey_segments_view')}"
    )
    if has_table(con, JOURNEYS_VIEW):  # a table in earlier versions
        con.execute(f"drop table {JOURNEYS_VIEW}")
    con.execute(f"create or replace view {JOURNEYS_VIEW} as\n{sql.load('journeys/journeys')}")
    con.execute("delete from jm_internal.pending_customers")
    con.execute("delete from jm_internal.build_state where key = 'journeys_fingerprint'")
    con.execute(
        "insert into jm_internal.build_state values ('journeys_fingerprint', ?)",
        [fingerprint(con, config)],
    )


def _note_touched_weeks(con: duckdb.DuckDBPyConnection, rows: str) -> None:
    """Add the weeks the scope's journeys count in: from the copy of their ``old`` or ``new``
    rows of int_node_visits."""
    con.execute(
        "insert into jm_touched_weeks "
        "select distinct cast(date_trunc('week', first_at) as date) "
        f"from {_copy('jm_internal.int_node_visits', rows)} "
        "where journey_id in (select journey_id from jm_scope_journeys) "
        "except select period_start from jm_touched_weeks"
    )


def _count_scope(
    con: duckdb.DuckDBPyConnection,
    summaries: Iterable[Summary],
    *,
    sign: int,
) -> None:
    """Add the scope's journeys' counts, times ``sign``, to each summary's temp delta table."""
    summaries = list(summaries)
    columns = _columns(con, [summary.table for summary in summaries])
    for summary in summaries:
        table, model, keys = summary.table, summary.model, summary.keys
        delta = _delta_table(table)
        if sign < 0:
            con.execute(f"create or replace temp table {delta} as select * from {table} limit 0")
        signed = ", ".join(c if c in keys else f"{sign} * {c}" for c in columns[table])
        counted = _reading(model, "new" if sign > 0 else "old")
        sql.execute(
            con,
            f"insert into {delta}\nselect {signed} from (\n{counted}\n) as counted",
            {"scoped": True},
        )


def _delta_table(table: str) -> str:
    return "jm_delta_" + table.rpartition(".")[2]


def _copy(table: str, rows: str) -> str:
    """The temp copy of the scope's ``old`` or ``new`` rows of a per-journey table."""
    return f"jm_{rows}__{table.rpartition('.')[2]}"


def _rows(table: str) -> str:
    """The temp table behind the view ``_copy(table, "old")``: the rows and their rowid."""
    return f"jm_oldrows__{table.rpartition('.')[2]}"


def _reading(model: str, rows: str) -> str:
    """A scoped model's SQL reading the copies of the scope's ``old`` or ``new`` rows (and the
    scope's events) instead of the per-journey tables."""
    copied = (
        (*_COUNTED_FROM, *(table for table, _ in _COUNTED_REBUILT))
        if rows == "old"
        else tuple(table for table, _ in PER_JOURNEY)
    )
    copies = {table: _copy(table, rows) for table in copied}
    return sql.redirect(sql.load(model), copies | {"events": SCOPE_EVENTS})


def _work(table: str) -> str:
    """Where a full build keeps a working table (``WORKING``) of every journey until it ends:
    a table, not a temp table. DuckDB writes a large table's rows to the database file and may
    drop them from memory; a temp table of every journey stays in memory while the largest
    models run (at 10M events a first load then peaked at 8.8 GB instead of 7.7 GB)."""
    return f"jm_internal.jm_work__{table.rpartition('.')[2]}"


def _reading_working(model: str) -> str:
    """A full build's model SQL reading the working tables (``WORKING``) where it keeps them."""
    return sql.redirect(sql.load(model), {table: _work(table) for table in WORKING})


def _columns(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, list[str]]:
    """The columns of each of these stored tables, in order (one look at the catalog, which
    lists every column of every table: a look per table cost a night 0.06-0.12 s)."""
    columns: dict[str, list[str]] = {table: [] for table in tables}
    rows = con.execute(
        "select schema_name || '.' || table_name, column_name from duckdb_columns() "
        "where database_name = current_database() order by schema_name, table_name, column_index"
    ).fetchall()
    for table, column in rows:
        name = table.removeprefix("main.")
        if name in columns:
            columns[name].append(column)
    return columns
