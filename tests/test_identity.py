"""Identity stitching: links merge identifiers into one customer, retroactively."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from journeymine.config import Config, load_config
from journeymine.generate import GeneratedSample, generate
from journeymine.identity import stitch
from journeymine.ingest import SourceReport, ingest_source
from journeymine.warehouse import connect
from tests.conftest import TEST_KEY, customer_ids, deliver, ingest_all, write_config

HEADER = (
    "event_id,collector_tstamp,event_name,page_url,page_referrer,domain_userid,user_id,"
    "user_email,domain_sessionid,useragent,device_type,user_ipaddress,utm_source,utm_medium,"
    "utm_campaign"
)


def _web(path: Path, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")


def _customers(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select event_id, customer_id from events").fetchall())


def test_stitching_is_retroactive(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _web(
        data / "web" / "day1.csv",
        [
            "e1,2026-09-01T10:00:00Z,page_view,https://b.example/,,ckA,,,s1,ua,desktop,10.0.0.1,,,",
            "e2,2026-09-01T10:01:00Z,page_view,https://b.example/bikes,,ckA,,,s1,ua,desktop,10.0.0.1,,,",
            "e3,2026-09-02T09:00:00Z,page_view,https://b.example/,,ckB,,,s2,ua,desktop,10.0.0.2,,,",
        ],
    )
    config = load_config(write_config(tmp_path, data))
    with connect(config.warehouse_path) as con:
        ingest_source(con, config, config.source("web"), TEST_KEY)
        stitch(con)
        day1 = _customers(con)
        assert day1["e1"] == day1["e2"] != day1["e3"]  # two anonymous browsers

        # day 2: the person behind cookie B logs in on cookie A's browser too
        _web(
            data / "web" / "day2.csv",
            [
                "e4,2026-09-03T08:00:00Z,login,https://b.example/account/login,,ckA,u1,,s3,ua,desktop,10.0.0.1,,,",
                "e5,2026-09-03T20:00:00Z,login,https://b.example/account/login,,ckB,u1,,s4,ua,desktop,10.0.0.2,,,",
            ],
        )
        ingest_source(con, config, config.source("web"), TEST_KEY)
        report = stitch(con)
        day2 = _customers(con)
        assert len(set(day2.values())) == 1  # earlier anonymous events joined the customer
        assert report.events_updated >= 3


def test_a_night_files_the_links_that_join_customers_and_only_those(tmp_path: Path) -> None:
    """A link between two customers seen before is filed (a full stitch from the filed links
    keeps them joined); a link whose two ends are one customer already is not."""
    data = tmp_path / "data"
    login = "login,https://b.example/account/login,"

    def day(name: str, rows: list[tuple[str, str, str, str]]) -> None:
        _web(
            data / "web" / f"{name}.csv",
            [
                f"{e},{at},{login},{cookie},{user},,,ua,desktop,10.0.0.1,,,"
                for e, at, cookie, user in rows
            ],
        )

    config = load_config(write_config(tmp_path, data))
    with connect(config.warehouse_path) as con:
        day("day1", [("e1", "2026-09-01T10:00:00Z", "ckA", "u1")])
        day("day1b", [("e2", "2026-09-01T11:00:00Z", "ckB", "u2")])
        ingest_source(con, config, config.source("web"), TEST_KEY)
        stitch(con)
        assert len(set(_customers(con).values())) == 2
        filed = _count(con, _FILED)

        day("day2", [("e3", "2026-09-02T10:00:00Z", "ckA", "u2")])  # joins the two
        ingest_source(con, config, config.source("web"), TEST_KEY)
        assert not stitch(con).full
        assert len(set(_customers(con).values())) == 1
        assert _count(con, _FILED) == filed + 1

        day("day3", [("e4", "2026-09-03T10:00:00Z", "ckB", "u1")])  # one customer already
        ingest_source(con, config, config.source("web"), TEST_KEY)
        stitch(con)
        assert (_count(con, _FILED), _count(con, _QUEUED)) == (filed + 1, 0)
        joined = _customers(con)
        assert len(set(joined.values())) == 1

        stitch(con, full=True)  # from the filed links alone
        assert _customers(con) == joined


def test_customer_ids_are_deterministic_across_warehouses(
    tmp_path: Path, sample: GeneratedSample
) -> None:
    ids = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        config = load_config(write_config(tmp_path / run, sample.out_dir))
        with connect(config.warehouse_path) as con:
            for source in reversed(config.sources):  # another load order, same result
                ingest_source(con, config, source, TEST_KEY)
            stitch(con)
            ids.append(
                con.execute("select event_id, customer_id from events order by all").fetchall()
            )
    assert ids[0] == ids[1]


def test_stitched_customers_never_mix_two_people(
    loaded: tuple[Config, duckdb.DuckDBPyConnection, list[SourceReport]], sample: GeneratedSample
) -> None:
    """Against the generator's truth: no over-merging, and cross-channel links do merge."""
    _, con, _ = loaded
    events = con.execute(
        "select event_id, customer_id, channel from events where touchpoint is not null"
    ).df()
    truth = sample.truth.copy()
    prefix = {"web": "web-", "social": "soc-", "chat": "msg-"}
    suffix = {"web": "", "social": "", "chat": "-0"}
    truth["event_id"] = [
        prefix[c] + str(u).zfill(9) + suffix[c]
        for c, u in zip(truth["channel"], truth["uid"], strict=True)
    ]
    joined = events.merge(truth[["event_id", "customer"]], on="event_id", how="inner")
    assert len(joined) == len(events)
    people_per_customer = joined.groupby("customer_id")["customer"].nunique()
    assert people_per_customer.max() == 1
    # a social ad click and its web landing carry the same click id: same customer
    channels = joined.groupby("customer_id")["channel"].nunique()
    assert (channels >= 2).sum() > 0.2 * len(channels)
    # a person's events end up in few customers (devices without any link stay apart)
    fragments = joined.groupby("customer")["customer_id"].nunique()
    assert fragments.mean() < 2.0
    assert isinstance(fragments, pd.Series)


def _stitch_edges(edges: list[tuple[str, str]]) -> tuple[dict[str, str], int]:
    from journeymine.warehouse import connect as open_warehouse

    con = open_warehouse(":memory:")
    con.execute(
        "insert into jm_internal.identity_edges select unnest(?), unnest(?)",
        [[a for a, _ in edges], [b for _, b in edges]],
    )
    report = stitch(con)
    labels = dict(con.execute("select node, customer_id from jm_internal.customer_map").fetchall())
    con.close()
    return labels, report.rounds


def test_stitching_converges_on_long_chains() -> None:
    """A chain of 3,000 links in an adversarial order is one customer (64 rounds used to stop
    short of that without a word, leaving the chain split in pieces)."""
    import itertools
    import random

    nodes = [f"id{i:05d}" for i in range(3001)]
    random.Random(5).shuffle(nodes)
    labels, rounds = _stitch_edges(list(itertools.pairwise(nodes)))
    assert len(labels) == 3001
    assert len(set(labels.values())) == 1
    assert rounds < 30  # contraction: logarithmic in practice, not one round per link


def test_stitching_equals_networkx_connected_components() -> None:
    """The oracle: on a random graph, customers are exactly networkx's components."""
    import random

    import networkx as nx

    rng = random.Random(11)
    nodes = [f"n{i}" for i in range(2000)]
    edges = [(rng.choice(nodes), rng.choice(nodes)) for _ in range(1500)]
    edges += [(a, a) for a in nodes[:5]]  # a self-link is no link
    labels, _ = _stitch_edges(edges)
    graph = nx.Graph()
    graph.add_edges_from(edges)
    expected = {frozenset(c) for c in nx.connected_components(graph)}
    by_customer: dict[str, set[str]] = {}
    for node, customer in labels.items():
        by_customer.setdefault(customer, set()).add(node)
    assert {frozenset(c) for c in by_customer.values()} == expected


def test_stitching_held_to_the_generators_truth_is_pure(
    loaded: tuple[Config, duckdb.DuckDBPyConnection, list[SourceReport]], sample: GeneratedSample
) -> None:
    """Every stitched customer holds one generated person's events (purity 100%), joined to
    the truth by event id (web-, soc-, msg- and the generator's opaque uid)."""
    _, con, _ = loaded
    events = con.execute(
        "select event_id, customer_id from events where touchpoint is not null"
    ).df()
    truth = sample.truth
    prefix = truth["channel"].map({"web": "web-", "social": "soc-", "chat": "msg-"})
    suffix = truth["channel"].map({"web": "", "social": "", "chat": "-0"})
    ids = prefix + truth["uid"].astype(str).str.zfill(9) + suffix
    person = pd.Series(truth["customer"].to_numpy(), index=ids.to_numpy())
    events["person"] = events["event_id"].map(person)
    assert events["person"].notna().all()
    assert len(events) == len(truth)  # every good touchpoint event loaded, none invented
    # purity: the share of events whose customer's most frequent person is their own
    top = events.groupby("customer_id")["person"].agg(lambda p: p.value_counts().iloc[0])
    purity = top.sum() / len(events)
    print(f"stitching purity {purity:.1%} over {len(events)} events, {len(top)} customers")
    assert purity == 1.0
    # and completeness, for the record: a person's events mostly end in one customer
    biggest = events.groupby("person")["customer_id"].agg(lambda c: c.value_counts().iloc[0])
    print(f"stitching completeness {biggest.sum() / len(events):.1%}")
    assert biggest.sum() / len(events) > 0.8


def _identity_tables(con: duckdb.DuckDBPyConnection) -> tuple[list[Any], ...]:
    """Each node's customer and label, each event's customer, and the customers table."""
    return tuple(
        sorted(con.execute(query).fetchall())
        for query in (
            "select node, customer_id, label from jm_internal.customer_map",
            "select source, event_id, customer_id from events",
            "select * from customers",
        )
    )


def test_incremental_stitching_equals_a_full_stitch(tmp_path: Path) -> None:
    """Deliveries stitched one by one give every node and event the customer a full stitch
    over everything gives, including links that join two customers seen before."""
    sample = generate(tmp_path / "gen", 2500, seed=5, daily_files=True, late_share=0.05)
    data = tmp_path / "data"
    config = load_config(write_config(tmp_path, data))
    batches = [
        sample.deliveries[:40],
        *([d] for d in sample.deliveries[40:46]),
        sample.deliveries[46:],
    ]
    merged = requeued = 0
    with connect(config.warehouse_path) as con:
        for batch in batches:
            deliver(batch, data)
            before = customer_ids(con)
            ingest_all(con, config)
            # a load looks links up in the queue only: links stitched on an earlier night
            # come again (a returning customer's login), and the stitch files them once
            requeued += _count(con, f"{_QUEUED} inner join {_FILED} using (node_a, node_b)")
            report = stitch(con)
            after = customer_ids(con)
            merged += len(before - after)  # customers seen before that a link joined to another
            # the report counts customers from the customers table, one row per customer
            assert (report.nodes, report.customers) == con.execute(
                "select count(*), count(distinct customer_id) from jm_internal.customer_map"
            ).fetchall()[0]
            assert _count(con, _QUEUED) == 0
            assert _count(con, _FILED) == _count(con, f"(select distinct {_LINK} from {_FILED})")
        incremental = _identity_tables(con)
        links = sorted(con.execute(f"select {_LINK} from {_FILED}").fetchall())
        assert not report.full
        assert merged > 0 and requeued > 0
        full = stitch(con, full=True)
        assert full.full and full.events_updated == 0  # nothing left to re-point
        rebuilt = _identity_tables(con)
    # the full stitch read only the links the nights filed: they hold the whole graph
    assert incremental == rebuilt
    # one load of every delivery files every distinct link; the nights filed those that
    # brought a new identifier or joined two customers, and left out only links whose two
    # ends were one customer already (a returning customer's login, seen again)
    (tmp_path / "once").mkdir()
    once = load_config(write_config(tmp_path / "once", data))
    with connect(once.warehouse_path) as con:
        ingest_all(con, once)
        stitch(con)
        every = sorted(con.execute(f"select {_LINK} from {_FILED}").fetchall())
        customer = dict(
            con.execute("select node, customer_id from jm_internal.customer_map").fetchall()
        )
    left_out = set(every) - set(links)
    assert set(links) <= set(every) and left_out
    assert all(customer[a] == customer[b] for a, b in left_out)


_QUEUED = "jm_internal.unstitched_edges"
_FILED = "jm_internal.identity_edges"
_LINK = "node_a, node_b"


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return int(con.execute(f"select count(*) from {relation}").fetchall()[0][0])
