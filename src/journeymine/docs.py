"""The data dictionary, generated from the warehouse's own comments.

The descriptions live in one place, ``sql/warehouse/comments.sql``, as DuckDB comments on
every table and column (analysts see them in any client). ``docs/data-dictionary.md`` is
rendered from a warehouse built from the sample (``data/sample``) in a temporary folder, so
it lists exactly the tables and columns a run makes, with their types:

    python -m journeymine.docs            # rewrite docs/data-dictionary.md (make docs)
    python -m journeymine.docs --check    # exit 1 when it is stale
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from journeymine.analysis import analyse
from journeymine.config import load_config
from journeymine.identity import stitch
from journeymine.ingest import ingest_source
from journeymine.mapping import load_map
from journeymine.pii import HmacKey
from journeymine.warehouse import connect, publish

_REPO = Path(__file__).resolve().parents[2]
SAMPLE_CONFIG = _REPO / "data" / "sample" / "journeymine.yaml"
DICTIONARY = _REPO / "docs" / "data-dictionary.md"
# The sample's identifiers are hashed with this key: the dictionary holds no data, only names.
_KEY = HmacKey.from_secret("journeymine-data-dictionary")

# The analysts' tables in the order a reader meets them: what was loaded, who the customers
# are, their journeys, what mining found, the designed map. Tables not named here follow in
# alphabetical order, so a new table is documented before anyone orders it.
ORDER = (
    "loads", "events", "quarantine", "customers", "journey_steps", "journeys", "transitions",
    "variants", "touchpoint_stats", "stage_funnel", "conformance", "deviations", "flags",
    "touchpoint_history", "touchpoint_trend", "flag_trends", "map_suggestions", "map_stages",
    "map_touchpoints", "map_transitions", "map_targets", "map_personas",
)  # fmt: skip
ANALYSTS = "main"
INTERNAL = "jm_internal"


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    comment: str


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    comment: str
    columns: tuple[Column, ...]


def build_sample_warehouse(directory: Path, config_path: Path = SAMPLE_CONFIG) -> Path:
    """Run the pipeline's library steps on the sample into ``directory``; returns the
    published analysts' copy (whose tables carry the comments)."""
    config = load_config(config_path)
    config = config.model_copy(
        update={"warehouse": directory / "journeymine.duckdb", "outputs": directory / "out"}
    )
    if config.map_path is None:
        raise ValueError(f"{config_path}: the data dictionary needs a configuration with a map")
    with connect(config.warehouse_path, memory_limit=config.memory_limit) as con:
        for source in config.sources:
            ingest_source(con, config, source, _KEY)
        stitch(con)
        analyse(con, config, load_map(config.map_path))  # mining, history, changes, flags
    return publish(config.warehouse_path, memory_limit=config.memory_limit)


def tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[Table]:
    """The tables and views of ``schema`` with their columns and comments, analysts' order
    first."""
    rows = con.execute(
        "select t.table_name, coalesce(t.comment, ''), c.column_name, c.data_type, "
        "coalesce(c.comment, '') "
        "from (select database_name, schema_name, table_name, comment from duckdb_tables() "
        "union all select database_name, schema_name, view_name, comment from duckdb_views() "
        "where not internal) as t "
        "inner join duckdb_columns() as c "
        "on c.database_name = t.database_name and c.schema_name = t.schema_name "
        "and c.table_name = t.table_name "
        "where t.database_name = current_database() and t.schema_name = ? "
        "order by t.table_name, c.column_index",
        [schema],
    ).fetchall()
    found: dict[str, tuple[str, list[Column]]] = {}
    for table, table_comment, column, data_type, comment in rows:
        found.setdefault(table, (table_comment, []))[1].append(Column(column, data_type, comment))
    position = {name: i for i, name in enumerate(ORDER)}
    names = sorted(found, key=lambda n: (position.get(n, len(ORDER)), n))
    return [Table(schema, n, found[n][0], tuple(found[n][1])) for n in names]


def _cell(text: str) -> str:
    """Text for a Markdown table cell: pipes escaped, no HTML (``attribute:<name>``)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\n", " ")
    )


def _table_section(t: Table, level: str) -> list[str]:
    title = t.name if t.schema == ANALYSTS else f"{t.schema}.{t.name}"
    lines = [f"{level} `{title}`", "", _cell(t.comment) or "(no description)", ""]
    lines += ["| column | type | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {c.data_type} | {_cell(c.comment)} |" for c in t.columns]
    return [*lines, ""]


def render(con: duckdb.DuckDBPyConnection) -> str:
    """The data dictionary of the warehouse open on ``con``, as Markdown."""
    lines = [
        "# The warehouse: data dictionary",
        "",
        "<!-- Generated by `make docs` (python -m journeymine.docs) from the comments in",
        "     sql/warehouse/comments.sql, on a warehouse built from data/sample. Do not edit:",
        "     change the comments and run `make docs`; a test fails when this file is stale. -->",
        "",
        "Every table and column below carries its description as a DuckDB `COMMENT`, so any",
        "client shows it too: `select table_name, column_name, comment from duckdb_columns()`",
        "in `journeymine sql` or any other. Rates and shares are fractions in [0, 1]; `_low` /",
        "`_high` are their Wilson 95% intervals; timestamps are UTC.",
        "",
        f"## Analysts' tables (schema `{ANALYSTS}`)",
        "",
        "Their names and meanings are stable: a change to them is announced.",
        "",
    ]
    for t in tables(con, ANALYSTS):
        lines += _table_section(t, "###")
    lines += [
        f"## Internal tables (schema `{INTERNAL}`)",
        "",
        "journeymine's bookkeeping and the intermediate models (`int_*`) the mining and the",
        "flag rules share. Not meant for analysts: their shape may change between versions.",
        "",
    ]
    for t in tables(con, INTERNAL):
        lines += _table_section(t, "###")
    return "\n".join(lines).rstrip("\n") + "\n"


def generate(config_path: Path = SAMPLE_CONFIG) -> str:
    """The data dictionary of a warehouse built from the sample in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="journeymine-docs-") as tmp:
        published = build_sample_warehouse(Path(tmp), config_path)
        with duckdb.connect(str(published), read_only=True) as con:
            return render(con)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m journeymine.docs",
        description="Generate the data dictionary from the comments of a warehouse built "
        "from the sample.",
    )
    parser.add_argument("--out", type=Path, default=DICTIONARY, help="default: %(default)s")
    parser.add_argument("--config", type=Path, default=SAMPLE_CONFIG, help="default: %(default)s")
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 when --out is stale"
    )
    args = parser.parse_args(argv)
    text = generate(args.config)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != text:
            print(f"{args.out} is stale: run make docs", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
