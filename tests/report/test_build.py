"""The report folder, its summary, its HTML's safety, ranges and segments, and its speed."""

from __future__ import annotations

import json
import re
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from journeymine.report import FILES, ReportScope, build_report
from journeymine.report.findings import sentence
from journeymine.report.scope import materialise
from journeymine.report.sentiment import score, stage_sentiment
from journeymine.warehouse import connect
from tests.report.conftest import HOSTILE_LABEL, make_hostile

# Every element the report's template writes.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "p", "b",
    "i", "span", "div", "section", "article", "footer", "table", "tr", "th", "td", "br",
    "svg", "defs", "marker", "path", "rect", "text", "tspan", "g", "line", "circle",
    "polyline",
}  # fmt: skip


def _markup(html: str) -> tuple[set[str], set[tuple[str, str]]]:
    """The element names and (attribute, value) pairs of a page, as a parser reads them."""
    from html.parser import HTMLParser

    tags: set[str] = set()
    attributes: set[tuple[str, str]] = set()

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.add(tag)
            attributes.update((k.lower(), v or "") for k, v in attrs)

    Collect().feed(html)
    return tags, attributes


def _build(warehouse: Path, folder: Path, **kw: object) -> tuple[dict, str]:  # type: ignore[type-arg]
    with connect(warehouse, read_only=True) as con:
        built = build_report(con, folder, **kw)  # type: ignore[arg-type]
    return built.summary, built.html.read_text(encoding="utf-8")


def test_the_folder_holds_every_file(mined_warehouse: Path, tmp_path: Path) -> None:
    _summary, _ = _build(mined_warehouse, tmp_path / "reports" / "2026-04-18")
    folder = tmp_path / "reports" / "2026-04-18"
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)
    with duckdb.connect(str(mined_warehouse), read_only=True) as con:
        (flags,) = con.execute("select count(*) from flags").fetchone()  # type: ignore[misc]
        (suggestions,) = con.execute("select count(*) from map_suggestions").fetchone()  # type: ignore[misc]
        (touchpoints,) = con.execute(
            "select count(*) from touchpoint_stats where segment = 'all'"
        ).fetchone()  # type: ignore[misc]
    assert flags > 0
    assert (folder / "flags.csv").read_text().startswith("rank,kind,subject")
    assert len((folder / "flags.csv").read_text().strip().splitlines()) >= flags + 1
    assert pq.read_table(folder / "flags.parquet").num_rows == flags
    assert pq.read_table(folder / "map_suggestions.parquet").num_rows == suggestions
    stats = pq.read_table(folder / "touchpoint_stats.parquet")
    assert stats.num_rows == touchpoints
    assert (folder / "touchpoint_stats.csv").read_text().startswith("segment,segment_value,level")
    assert not list(folder.parent.glob(".*"))  # no partial folder left behind


def test_summary_has_the_headline_run_inputs_and_versions(
    mined_warehouse: Path, tmp_path: Path
) -> None:
    _summary, _ = _build(
        mined_warehouse, tmp_path / "r", run_id="run-42", run_date=date(2026, 4, 18)
    )
    on_disk = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert on_disk["run_id"] == "run-42" and on_disk["run_date"] == "2026-04-18"
    with duckdb.connect(str(mined_warehouse), read_only=True) as con:
        journeys, goals, conforming = con.execute(
            "select count(*), count(*) filter (where reached_goal), "
            "count(*) filter (where conforms) from journeys"
        ).fetchone()  # type: ignore[misc]
        ranked = [r[0] for r in con.execute("select subject from flags order by rank").fetchall()]
        sources = sorted(r[0] for r in con.execute("select distinct source from loads").fetchall())
    h = on_disk["headline"]
    assert h["journeys"] == journeys
    assert h["goal_rate"] == pytest.approx(goals / journeys)
    assert h["conforming_journey_rate"] == pytest.approx(conforming / journeys)
    assert h["findings"] == len(ranked)
    assert [f["subject"] for f in on_disk["findings"]] == ranked
    assert on_disk["findings"][0]["subject"] == "payment"  # the planted drop-off leads
    assert on_disk["findings"][0]["sentence"].startswith(on_disk["findings"][0]["sentence"][:3])
    assert sorted(s["source"] for s in on_disk["inputs"]["loads"]) == sources
    assert set(on_disk["versions"]) >= {"journeymine", "duckdb", "jinja2", "vaderSentiment"}
    assert on_disk["changes_since_last_report"] is None
    assert on_disk["files"] == list(FILES)
    assert 0 < on_disk["sentiment"]["texts_scored"] <= on_disk["sentiment"]["sample_limit"]


def test_what_changed_since_the_last_report(mined_warehouse: Path, tmp_path: Path) -> None:
    _first, _ = _build(mined_warehouse, tmp_path / "2026-04-17", run_date=date(2026, 4, 17))
    # the previous report saw one more finding, and one fewer journey
    path = tmp_path / "2026-04-17" / "summary.json"
    edited = json.loads(path.read_text())
    edited["headline"]["journeys"] -= 1
    edited["headline"]["findings"] += 1
    edited["findings"].append({"key": "loop|a > b|all=all", "sentence": "An old loop"})
    path.write_text(json.dumps(edited))
    second, html = _build(mined_warehouse, tmp_path / "2026-04-18", run_date=date(2026, 4, 18))
    changes = second["changes_since_last_report"]
    assert changes["previous_report"] == "2026-04-17"
    assert changes["journeys"] == 1
    assert changes["findings"] == -1
    assert changes["gone_findings"] == ["An old loop"]
    assert changes["new_findings"] == []
    # a finding keeps the date it was first seen
    assert {f["first_seen"] for f in second["findings"]} == {"2026-04-17"}
    assert "Since the last report" in html and "An old loop" in html


def test_the_html_loads_nothing_and_runs_nothing(mined_warehouse: Path, tmp_path: Path) -> None:
    _, html = _build(mined_warehouse, tmp_path / "r")
    assert "default-src 'none'" in html  # the page's policy: nothing remote, no script
    assert "<script" not in html.lower()
    # no URL anywhere but the SVG namespace (an identifier, never fetched)
    urls = set(re.findall(r"(?:https?:)?//[^\s\"'<>)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}
    tags, attributes = _markup(html)
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    assert not {a for a in attributes if a[0] in ("src", "href") or a[0].startswith("on")}
    assert not re.search(r"url\((?!#)", html)  # only in-page references (arrow markers)


def test_hostile_strings_are_inert(mined_warehouse: Path, tmp_path: Path) -> None:
    hostile = make_hostile(mined_warehouse, tmp_path / "hostile.duckdb", port=9)
    summary, html = _build(hostile, tmp_path / "r")
    assert "&lt;script&gt;window.__pwned=1;" in html  # shown, as text
    assert "javascript:" in html  # the chat text is there, as text
    tags, attributes = _markup(html)
    # the page's own elements only: nothing the hostile strings tried to add
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    assert not {a for a in attributes if a[0].startswith("on") or a[0] in ("src", "href")}
    assert not [a for a in attributes if "javascript:" in a[1].lower()]
    assert HOSTILE_LABEL in summary["findings"][0]["sentence"]  # JSON keeps the text as it is


def test_a_range_and_a_segment(mined_warehouse: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(mined_warehouse), read_only=True) as con:
        (expected,) = con.execute(
            "select count(*) from journeys j join jm_internal.int_journey_segments s using "
            "(journey_id) where s.segment = 'entry_channel' and s.segment_value = 'social' "
            "and j.started_at >= '2026-10-01' and j.started_at < '2026-11-01'"
        ).fetchone()  # type: ignore[misc]
        (history,) = con.execute(
            "select sum(journeys) from touchpoint_history where grain = 'day' and level = "
            "'touchpoint' and node = 'payment' and segment = 'entry_channel' and segment_value "
            "= 'social' and period_start between '2026-10-01' and '2026-10-31'"
        ).fetchone()  # type: ignore[misc]
    scope = ReportScope(date(2026, 10, 1), date(2026, 10, 31), "entry_channel", "social")
    summary, html = _build(mined_warehouse, tmp_path / "r", scope=scope)
    assert expected > 0
    assert summary["headline"]["journeys"] == expected
    assert summary["scope"] == {
        "from": "2026-10-01", "to": "2026-10-31",
        "segment": "entry_channel", "segment_value": "social",
    }  # fmt: skip
    stats = pq.read_table(tmp_path / "r" / "touchpoint_stats.parquet").to_pylist()
    (payment,) = [r for r in stats if r["node"] == "payment"]
    assert payment["journeys"] == history and payment["segment_value"] == "social"
    assert 'id="scope-note"' in html
    assert "computed over the whole period" in html  # the findings are the nightly run's
    assert "customers who entered from social that entered from 2026-10-01 to 2026-10-31" in html


def test_sentence_in_plain_words() -> None:
    flag = {
        "kind": "drop_off", "segment": "all", "segment_value": "all", "touchpoint": "payment",
        "value": 0.52, "threshold": 0.25, "baseline": None, "lost_goal_completions": 107.3,
        "concentrated_segment": "entry_channel", "concentrated_value": "social",
        "concentrated_rate": 0.61, "concentrated_p_value": 0.001, "subject": "payment",
        "cycle": None, "from_touchpoint": None, "to_touchpoint": None, "metric": "drop_off_rate",
        "first_date": None, "last_date": None, "evidence": "",
    }  # fmt: skip
    assert sentence(flag, {"payment": "Payment"}) == (
        "52% of journeys that reach Payment leave without going on as designed; the map "
        "expects at most 25%; about 107 lost goal completions; worst for customers who "
        "entered from social (61%)"
    )
    assert "worst" not in sentence({**flag, "concentrated_p_value": 0.2}, {})


def test_sentiment_is_vader_over_a_bounded_sample(mined_warehouse: Path) -> None:
    assert score("I love this bike, great service!") > 0.5
    assert score("Terrible, the app is broken and nobody helps.") < -0.5
    with connect(mined_warehouse, read_only=True) as con:
        materialise(con, ReportScope().params())
        by_stage, read = stage_sentiment(con, ReportScope().params(), limit=5)
    assert read == 5
    assert sum(s.texts for s in by_stage.values()) == 5


def test_the_build_takes_a_few_seconds(mined_warehouse: Path, tmp_path: Path) -> None:
    started = time.perf_counter()
    summary, _ = _build(mined_warehouse, tmp_path / "r")
    assert time.perf_counter() - started < 5
    assert summary["build_seconds"] < 5


def test_a_warehouse_analysed_by_an_older_version_is_named_not_crashed_on(
    mined_warehouse: Path, tmp_path: Path
) -> None:
    """The report reads kept counts an older journeymine did not write: it says what to do."""
    import shutil

    from journeymine.errors import JourneymineError

    older = tmp_path / "older.duckdb"
    shutil.copyfile(mined_warehouse, older)
    with connect(older) as con:
        con.execute("drop table jm_internal.int_report_counts")
        with pytest.raises(JourneymineError, match=r"int_report_counts.*journeymine run"):
            build_report(con, tmp_path / "r")
    assert not (tmp_path / "r").exists()


_ORACLE_TEXTS = Path(__file__).parents[1] / "fixtures" / "report_oracle" / "customer_texts.sql"


def test_recent_texts_are_those_reading_every_text_gives(
    mined_warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window of recent events, widened as needed, gives the most recent texts that
    reading every chat and social text gives (ties at the cut aside: either may be taken)."""
    from journeymine import sql
    from journeymine.report import sentiment
    from journeymine.report.sentiment import recent_texts

    windows: list[int] = []  # per call of recent_texts: the windows it read
    fetch = sql.fetch

    def counting(con: duckdb.DuckDBPyConnection, name: str, params: Any = None) -> Any:
        windows[-1] += name == "report/customer_texts"
        return fetch(con, name, params)

    monkeypatch.setattr(sentiment.sql, "fetch", counting)
    oracle = _ORACLE_TEXTS.read_text(encoding="utf-8")
    last = "select stage, channel, text from final"
    assert last in oracle
    oracle = oracle.replace(last, "select stage, channel, text, occurred_at from final")
    with connect(mined_warehouse, read_only=True) as con:
        persona, day = con.execute(
            "select (select segment_value from jm_internal.int_journey_segments "
            "where segment = 'persona' group by all order by count(*) limit 1), "
            "(select cast(quantile_disc(started_at, 0.5) as date) from journeys)"
        ).fetchall()[0]
        for scope in (
            ReportScope(),
            ReportScope(segment="persona", segment_value=persona),
            ReportScope(date_to=day),
        ):
            params = scope.params()
            materialise(con, params)
            for limit in (1, 7, 300, 1_000_000):
                expected = sql.execute(con, oracle, {**params, "limit": limit}).fetchall()
                windows.append(0)
                got = recent_texts(con, params, limit)
                assert len(got) == len(expected), (scope, limit)
                assert sorted(r[3] for r in got) == sorted(r[3] for r in expected)
                cut = min((r[3] for r in expected), default=None)
                newer = [sorted(r for r in rows if r[3] != cut) for rows in (got, expected)]
                assert newer[0] == newer[1], (scope, limit)
                if len(expected) < limit:  # every text of the scope: no cut to choose at
                    assert sorted(got) == sorted(expected), (scope, limit)
    assert max(windows) > 1  # some scope's texts needed a wider window than its first
