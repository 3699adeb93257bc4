"""Identity stitching: identifiers seen together become one pseudonymous customer.

Identifiers (as keyed hashes) are the nodes of a graph whose edges are the pairs seen on the
same event; a customer is a connected component. Components are found in SQL by label
propagation with pointer jumping, a handful of set-based rounds however many events there
are. Every run recomputes them over all edges, so a link that appears today re-labels the
earlier anonymous events too (retroactive stitching), and ``customer_id`` is a hash of the
component's smallest node: the same in every run on the same data and secret.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from journeymine import sql

MAX_ROUNDS = 64


@dataclass(frozen=True)
class StitchReport:
    nodes: int
    customers: int
    rounds: int
    events_updated: int


def stitch(con: duckdb.DuckDBPyConnection) -> StitchReport:
    """Recompute the customer of every identifier and re-point events whose customer changed."""
    sql.create_table_as(con, "jm_labels", "identity/int_identity_labels_seed", temp=True)
    rounds = 0
    while True:
        rounds += 1
        sql.create_table_as(con, "jm_labels_next", "identity/int_identity_labels_step", temp=True)
        (changed,) = sql.fetch(con, "identity/label_changes")[0]
        con.execute("drop table jm_labels")
        con.execute("alter table jm_labels_next rename to jm_labels")
        if changed == 0 or rounds >= MAX_ROUNDS:
            break
    con.execute("begin transaction")
    try:
        con.execute("delete from jm_internal.customer_map")
        con.execute(f"insert into jm_internal.customer_map {sql.load('identity/int_customer_map')}")
        updated = con.execute(sql.load("identity/update_event_customers")).fetchall()[0][0]
        sql.create_table_as(con, "customers", "identity/customers")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    nodes, customers = con.execute(
        "select count(*), count(distinct customer_id) from jm_internal.customer_map"
    ).fetchall()[0]
    con.execute("drop table jm_labels")
    return StitchReport(nodes=nodes, customers=customers, rounds=rounds, events_updated=updated)
