"""Identity stitching: identifiers seen together become one pseudonymous customer.

Identifiers (as keyed hashes) are the nodes of a graph whose edges are the pairs seen on the
same event; a customer is a connected component. Components are found in SQL, set-based, by
hooking and contraction: each round every vertex hooks onto its smallest neighbour, pointer
jumping makes every tree a star, and the graph is contracted to the edges between roots. Each
round removes at least one vertex, so stitching always converges (no round limit); on real
identity graphs it takes a handful of rounds. ``customer_id`` is a hash of the component's
smallest node (its ``label``): the same in every run on the same data and secret.

A night's stitch is incremental: only the links loaded since the last stitch
(``jm_internal.unstitched_edges``, the queue a load appends to), the identity keys of new
events and the components they touch are relabelled, each old component entering as a star
around its label. Because a component's label is its smallest node, the result equals a full
stitch over every link ever loaded; a link that joins two old customers re-points the earlier
events of both (retroactive stitching). ``full=True``, or a warehouse stitched before labels
were kept, recomputes every component. Either way the customers whose events changed are
queued in ``jm_internal.pending_customers`` for the journeys to be rebuilt, and the queued
links not stitched before are filed into ``jm_internal.identity_edges`` in the same
transaction (a load looks a link up in the queue only, so that no file reads every link of
all history). An incremental stitch files only the links that bring a new identifier or join
two components: one whose ends were one customer already adds nothing to the graph, and no
other can have been filed before, so the night reads no link of all history either.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb

from journeymine import sql
from journeymine.warehouse import has_table, transaction

log = logging.getLogger("journeymine.identity")

# an incremental stitch's temp tables: the events of the nodes it labelled (with each row's
# id), the events as re-pointed (a view), and the full rows of the stitched events it moves
_STITCH_EVENTS = "jm_stitch_events"
_STITCHED_EVENTS = "jm_stitched_events"
_MOVED_EVENTS = "jm_moved_events"
# events with each row's id as jm_row (DuckDB's rowid; on Spark, Delta's row tracking id),
# for the stitch's copy of events; _repoint_events finds the rows by it. Those two are the
# only places the identity model reads a row id
_EVENTS_WITH_ROW = "jm_events_with_row"
# the queued links an incremental stitch files (int_new_links)
_NEW_LINKS = "jm_new_links"
# an incremental stitch's nodes with the label they had before it (null: new to the graph)
_OLD_LABELS = "jm_old_labels"


@dataclass(frozen=True)
class StitchReport:
    nodes: int
    customers: int
    rounds: int
    events_updated: int
    full: bool = True
    nodes_relabelled: int = 0
    customers_changed: int = 0


def stitch(con: duckdb.DuckDBPyConnection, *, full: bool = False) -> StitchReport:
    """Update the customer of every identifier today's data touches (all of them with
    ``full``), re-point events whose customer changed and queue those customers."""
    full = full or _needs_full(con)
    if full:
        sql.create_table_as(con, "jm_labels", "identity/int_identity_labels_seed", temp=True)
        sql.create_table_as(con, "jm_cc_edges", "identity/int_cc_edges_seed", temp=True)
    else:
        sql.create_table_as(con, "jm_labels", "identity/int_identity_labels_delta", temp=True)
        con.execute(
            f"create or replace temp table {_OLD_LABELS} as select node, old_label from jm_labels"
        )
        sql.create_table_as(con, "jm_cc_edges", "identity/int_cc_edges_delta", temp=True)
        # before the rounds relabel jm_labels: the queued links that are new to the graph
        sql.create_table_as(con, _NEW_LINKS, "identity/int_new_links", temp=True)
    rounds = _components(con)
    sql.create_table_as(con, "jm_stitched", "identity/int_customer_map", temp=True)
    con.execute("drop table jm_labels")
    relabelled = _count(con, "jm_stitched")
    with transaction(con):
        # an incremental stitch copies the events of the nodes it labelled (every event of
        # every customer it changes): the moving customers and the changed customers' rows
        # are read from the copy, and the re-pointing probes events with the moving nodes only
        reads = {} if full else _read_stitch_events(con)
        sql.execute(
            con,
            "create or replace temp table jm_stitch_customers as\n"
            + sql.redirect(sql.load("identity/int_stitch_customers"), reads),
        )
        if full:
            con.execute("delete from jm_internal.customer_map")
            con.execute("insert into jm_internal.customer_map select * from jm_stitched")
        else:
            # only the nodes whose label changed, or that are new: most nodes of a touched
            # component keep theirs, and rewriting them cost the delete, the insert and the
            # commit's rewrite of the row groups they sit in
            con.execute(
                "create or replace temp table jm_relabelled as select s.* "
                f"from jm_stitched as s inner join {_OLD_LABELS} as o on o.node = s.node "
                "where o.old_label is distinct from s.label"
            )
            con.execute(
                "delete from jm_internal.customer_map "
                "where node in (select node from jm_relabelled)"
            )
            con.execute("insert into jm_internal.customer_map select * from jm_relabelled")
            con.execute("drop table jm_relabelled")
            con.execute(f"drop table {_OLD_LABELS}")
        if full:
            updated = con.execute(sql.load("identity/update_event_customers")).fetchall()[0][0]
            sql.create_table_as(con, "customers", "identity/customers", {"scoped": False})
        else:
            updated = _repoint_events(con)
            con.execute(
                "delete from customers "
                "where customer_id in (select customer_id from jm_stitch_customers)"
            )
            # the changed customers' events as re-pointed, and their identifiers: a changed
            # customer's component was relabelled whole, so all its nodes are in jm_stitched
            customers = sql.redirect(
                sql.load("identity/customers"),
                {"events": _STITCHED_EVENTS, "jm_internal.customer_map": "jm_stitched"},
            )
            sql.execute(con, "insert into customers " + customers, {"scoped": True})
            con.execute(f"drop view {_STITCHED_EVENTS}")
            con.execute(f"drop table {_STITCH_EVENTS}")
            con.execute(f"drop view {_EVENTS_WITH_ROW}")
        con.execute(
            "insert into jm_internal.pending_customers (customer_id, since, lost_events) "
            "select customer_id, since, lost_events from jm_stitch_customers"
        )
        if full:
            sql.run(con, "identity/load_new_links")
        else:
            con.execute(f"insert into jm_internal.identity_edges select * from {_NEW_LINKS}")
            con.execute(f"drop table {_NEW_LINKS}")
        con.execute("delete from jm_internal.unstitched_edges")
    changed = _count(con, "jm_stitch_customers")
    con.execute("drop table jm_stitched")
    con.execute("drop table jm_stitch_customers")
    # every customer of customer_map has events (its nodes came from them), so customers holds
    # one row per distinct customer_id there; counting rows reads no column
    nodes, customers = con.execute(
        "select (select count(*) from jm_internal.customer_map), (select count(*) from customers)"
    ).fetchall()[0]
    report = StitchReport(
        nodes=nodes,
        customers=customers,
        rounds=rounds,
        events_updated=updated,
        full=full,
        nodes_relabelled=relabelled,
        customers_changed=changed,
    )
    log.info(
        "stitching (%s): %d of %d identifiers relabelled in %d round(s), %d events re-pointed, "
        "%d customers changed",
        "full" if full else "incremental",
        relabelled,
        nodes,
        rounds,
        updated,
        changed,
    )
    return report


def _read_stitch_events(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Copy the events of the nodes this stitch labelled, with each row's id
    (``_STITCH_EVENTS``), and make a view of the copy as re-pointed (``_STITCHED_EVENTS``);
    what the stitch's statements read instead of ``events``."""
    con.execute(
        f"create or replace temp view {_EVENTS_WITH_ROW} as select *, rowid as jm_row from events"
    )
    sql.execute(
        con,
        f"create or replace temp table {_STITCH_EVENTS} as\n"
        + sql.redirect(sql.load("identity/int_stitch_events"), {"events": _EVENTS_WITH_ROW}),
    )
    con.execute(
        f"create or replace temp view {_STITCHED_EVENTS} as select new_customer_id as "
        f"customer_id, occurred_at, channel, touchpoint from {_STITCH_EVENTS}"
    )
    return {"events": _STITCH_EVENTS}


def _repoint_events(con: duckdb.DuckDBPyConnection) -> int:
    """Give the events of ``_STITCH_EVENTS`` whose customer changed their new customer, found
    by row id (no read of every event's identity key); the number re-pointed.

    Events not stitched before (a night's own, at the end of the table) are updated in place.
    An event stitched before and re-pointed tonight (an identifier seen earlier, linked to a
    customer now) lies anywhere in history, and updating it would have DuckDB rewrite the
    ``customer_id`` of every row group holding one (on the 30M log's history, 25,629 such
    events made the commit rewrite 58 of 80 row groups): those rows are deleted and inserted
    again with their new customer, which writes only them."""
    moved = f"from {_STITCH_EVENTS} where customer_id is distinct from new_customer_id"
    con.execute(
        f"create or replace temp table {_MOVED_EVENTS} as "
        "select e.* replace (m.new_customer_id as customer_id), m.jm_row "
        f"from events as e inner join (select jm_row, new_customer_id {moved} "
        "and customer_id is not null) as m on m.jm_row = e.rowid"
    )
    (moved_rows,) = con.execute(
        f"delete from events where rowid in (select jm_row from {_MOVED_EVENTS})"
    ).fetchall()[0]
    con.execute(f"insert into events select * exclude (jm_row) from {_MOVED_EVENTS}")
    con.execute(f"drop table {_MOVED_EVENTS}")
    (updated,) = con.execute(
        "update events set customer_id = m.new_customer_id "
        f"from (select jm_row, new_customer_id {moved} and customer_id is null) as m "
        "where events.rowid = m.jm_row"
    ).fetchall()[0]
    return int(moved_rows) + int(updated)


def _needs_full(con: duckdb.DuckDBPyConnection) -> bool:
    """A first stitch, or a warehouse stitched before components kept their label."""
    (unlabelled,) = con.execute(
        "select count(*) from jm_internal.customer_map where label is null"
    ).fetchall()[0]
    return bool(unlabelled) or not has_table(con, "customers")


def _components(con: duckdb.DuckDBPyConnection) -> int:
    """Converge ``jm_labels`` over ``jm_cc_edges`` (hooking and contraction); the rounds."""
    rounds = 0
    while _count(con, "jm_cc_edges"):
        rounds += 1
        sql.create_table_as(con, "jm_cc_hooks", "identity/int_cc_hooks", temp=True)
        while True:  # pointer jumping: O(log depth) passes over the (shrinking) vertex set
            sql.create_table_as(con, "jm_cc_jumped", "identity/int_cc_jump", temp=True)
            (moved,) = con.execute("select count(*) from jm_cc_jumped where moved").fetchall()[0]
            con.execute("drop table jm_cc_hooks")
            con.execute("alter table jm_cc_jumped rename to jm_cc_hooks")
            if moved == 0:
                break
        sql.create_table_as(con, "jm_labels_next", "identity/int_cc_relabel", temp=True)
        con.execute("drop table jm_labels")
        con.execute("alter table jm_labels_next rename to jm_labels")
        sql.create_table_as(con, "jm_cc_next", "identity/int_cc_contract", temp=True)
        con.execute("drop table jm_cc_edges")
        con.execute("alter table jm_cc_next rename to jm_cc_edges")
        log.debug("stitching: round %d, %d links left", rounds, _count(con, "jm_cc_edges"))
    con.execute("drop table if exists jm_cc_hooks")
    con.execute("drop table jm_cc_edges")
    return rounds


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows of one of stitching's own temporary tables (never user input)."""
    (n,) = con.execute(f"select count(*) from {table}").fetchall()[0]
    return int(n)
