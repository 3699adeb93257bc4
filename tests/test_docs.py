"""The data dictionary: a comment on every analyst-facing column, and docs/data-dictionary.md
generated from those comments (stale: make docs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from journeymine import docs
from journeymine.warehouse import connect, describe


@pytest.fixture(scope="module")
def sample_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built from data/sample, and its published analysts' copy (returned)."""
    return docs.build_sample_warehouse(tmp_path_factory.mktemp("dictionary"))


@pytest.fixture(scope="module")
def sample_copy(sample_built: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The analysts' copy, read-only."""
    con = duckdb.connect(str(sample_built), read_only=True)
    yield con
    con.close()


def test_every_analyst_table_and_column_has_a_description(
    sample_copy: duckdb.DuckDBPyConnection,
) -> None:
    tables = docs.tables(sample_copy, "main")
    names = {t.name for t in tables}
    assert names >= {
        "events", "quarantine", "loads", "customers", "journeys", "journey_steps",
        "transitions", "variants", "touchpoint_stats", "stage_funnel", "deviations",
        "conformance", "flags", "map_suggestions", "map_stages", "map_touchpoints",
        "map_transitions", "map_targets", "map_personas",
    }  # fmt: skip
    undescribed = [t.name for t in tables if not t.comment.strip()] + [
        f"{t.name}.{c.name}" for t in tables for c in t.columns if not c.comment.strip()
    ]
    assert undescribed == [], "add them to sql/warehouse/comments.sql, then make docs"


def test_internal_tables_stay_out_of_main_and_say_they_are_internal(
    sample_copy: duckdb.DuckDBPyConnection,
) -> None:
    assert not [t.name for t in docs.tables(sample_copy, "main") if t.name.startswith("int_")]
    internal = docs.tables(sample_copy, "jm_internal")
    assert {t.name for t in internal} >= {"identity_edges", "customer_map", "int_journeys"}
    assert [t.name for t in internal if not t.comment.startswith("Internal.")] == []


def test_every_comment_describes_something_that_exists(sample_built: Path) -> None:
    """A renamed or dropped column leaves no stale description behind: on a warehouse that
    has every table, nothing in comments.sql is skipped."""
    with connect(sample_built.with_name("journeymine.duckdb")) as con:  # the writer's file
        assert describe(con) == []


def test_a_warehouse_not_mined_yet_is_described_as_far_as_it_goes() -> None:
    con = connect(":memory:")
    skipped = describe(con)
    assert "main.journeys" in skipped and "main.flags.rank" in skipped
    assert "main.events" not in skipped
    (comment,) = con.execute(
        "select comment from duckdb_columns() where table_name = 'events' "
        "and column_name = 'touchpoint'"
    ).fetchall()[0]
    assert comment.startswith("The touchpoint")
    con.close()


def test_the_data_dictionary_is_generated_from_the_comments(
    sample_copy: duckdb.DuckDBPyConnection,
) -> None:
    text = docs.render(sample_copy)
    committed = docs.DICTIONARY.read_text(encoding="utf-8")
    assert text == committed, "docs/data-dictionary.md is stale: run make docs"
    # the comments are the source: a description appears word for word
    (comment,) = sample_copy.execute(
        "select comment from duckdb_columns() where table_name = 'touchpoint_stats' "
        "and column_name = 'drop_offs'"
    ).fetchall()[0]
    assert "neither a designed successor" in comment and comment in text


def test_the_check_mode_fails_on_a_stale_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(docs, "generate", lambda config_path: "# fresh\n")
    stale = tmp_path / "dd.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert docs.main(["--out", str(stale), "--check"]) == 1
    assert docs.main(["--out", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == "# fresh\n"
    assert docs.main(["--out", str(stale), "--check"]) == 0
