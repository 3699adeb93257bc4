"""Identity stitching: identifiers seen together become one pseudonymous customer.

Identifiers (as keyed hashes) are the nodes of a graph whose edges are the pairs seen on the
same event; a customer is a connected component. Components are found in SQL, set-based, by
hooking and contraction: each round every vertex hooks onto its smallest neighbour, pointer
jumping makes every tree a star, and the graph is contracted to the edges between roots. Each
round removes at least one vertex, so stitching always converges (no round limit); on real
identity graphs it takes a handful of rounds. Every run recomputes the components over all
edges, so a link that appears today re-labels the earlier anonymous events too (retroactive
stitching), and ``customer_id`` is a hash of the component's smallest node: the same in every
run on the same data and secret.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb

from journeymine import sql
from journeymine.warehouse import transaction

log = logging.getLogger("journeymine.identity")


@dataclass(frozen=True)
class StitchReport:
    nodes: int
    customers: int
    rounds: int
    events_updated: int


def stitch(con: duckdb.DuckDBPyConnection) -> StitchReport:
    """Recompute the customer of every identifier and re-point events whose customer changed."""
    sql.create_table_as(con, "jm_labels", "identity/int_identity_labels_seed", temp=True)
    sql.create_table_as(con, "jm_cc_edges", "identity/int_cc_edges_seed", temp=True)
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
    with transaction(con):
        con.execute("delete from jm_internal.customer_map")
        con.execute(f"insert into jm_internal.customer_map {sql.load('identity/int_customer_map')}")
        updated = con.execute(sql.load("identity/update_event_customers")).fetchall()[0][0]
        sql.create_table_as(con, "customers", "identity/customers")
    nodes, customers = con.execute(
        "select count(*), count(distinct customer_id) from jm_internal.customer_map"
    ).fetchall()[0]
    con.execute("drop table jm_labels")
    return StitchReport(nodes=nodes, customers=customers, rounds=rounds, events_updated=updated)


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows of one of stitching's own temporary tables (never user input)."""
    (n,) = con.execute(f"select count(*) from {table}").fetchall()[0]
    return int(n)
