"""The SQL models stay portable to Apache Spark SQL (4.0).

Every model in ``sql/`` is parsed as DuckDB and transpiled to Spark with sqlglot, which raises on
what it knows Spark lacks. sqlglot passes unknown functions and some DuckDB-only syntax through
silently, and rewrites a few functions into ones that mean something else on Spark, so the
DuckDB parse is also checked against a list of such constructs; every function sqlglot does not
model must be a ``jm_`` macro (``sql/warehouse/macros.sql``, the one place for DuckDB-only
functions, rewritten for another engine) or one Spark is known to have.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlglot
from sqlglot import exp

from tests.conftest import REPO

SQL = REPO / "sql"

# Paths under sql/ (a file, or a folder ending in /) that are not checked, and why.
EXCLUDED = {
    "warehouse/macros.sql": "the one place for DuckDB-only functions, rewritten per engine",
    "generate/": "the sample generator's exports: test-data tooling that holds its whole "
    "simulation in memory on one machine, not a model run on users' data",
    "shell/": "the `journeymine sql` shell's dot commands, which read DuckDB's own catalog "
    "(on Spark: SHOW TABLES, SHOW CREATE TABLE)",
    "warehouse/comments.sql": "the data dictionary as DuckDB COMMENT ON statements; Spark has "
    "COMMENT ON TABLE but sets a column's comment with ALTER TABLE ... ALTER COLUMN ... COMMENT",
}

# Functions sqlglot parses as unknown (Anonymous) that Spark SQL has under the same name
# and meaning.
SPARK_FUNCTIONS = {
    "to_json",  # Spark: to_json(struct)
}

# Constructs in a model that Spark SQL lacks, with a narrow, justified allowance per file.
ALLOWED = {
    ("warehouse/schema.sql", "type JSON"): "events.attributes: a STRING (or VARIANT) on Spark; "
    "the jm_json_* macros read it either way",
}

# What sqlglot makes of some DuckDB functions on Spark: names Spark lacks, or a different meaning.
SPARK_EMITTED = {
    "PERCENTILE_APPROX": "an approximate percentile (use jm_percentile, exact)",
    "APPROX_PERCENTILE": "an approximate percentile (use jm_percentile, exact)",
    "PERCENTILE_CONT": "percentile_cont(x, p) without within group",
    "REGEXP_FULL_MATCH": "regexp_full_match",
    "READ_CSV": "the table function read_csv",
    "READ_PARQUET": "the table function read_parquet",
    "READ_JSON": "the table function read_json",
}

_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")

# DuckDB types Spark SQL has no equivalent for (sqlglot emits most of them unchanged).
DUCKDB_ONLY_TYPES = {
    exp.DataType.Type.INT128: "HUGEINT (use BIGINT)",
    exp.DataType.Type.UINT128: "UHUGEINT (use BIGINT)",
    exp.DataType.Type.UTINYINT: "UTINYINT",
    exp.DataType.Type.USMALLINT: "USMALLINT",
    exp.DataType.Type.UINT: "UINTEGER",
    exp.DataType.Type.UBIGINT: "UBIGINT",
    exp.DataType.Type.JSON: "JSON",
    exp.DataType.Type.UUID: "UUID",
    exp.DataType.Type.UNION: "UNION",
    exp.DataType.Type.ENUM: "ENUM",
    exp.DataType.Type.BIT: "BIT",
}


def _excluded(relative: str) -> bool:
    return any(
        relative == path or (path.endswith("/") and relative.startswith(path)) for path in EXCLUDED
    )


MODELS = sorted(
    p.relative_to(SQL).as_posix()
    for p in SQL.rglob("*.sql")
    if not _excluded(p.relative_to(SQL).as_posix())
)


def _duckdb_only(tree: exp.Expression) -> Iterator[str]:
    """The constructs in ``tree`` that Spark SQL lacks and sqlglot would emit unchanged."""
    for node in tree.walk():
        if isinstance(node, exp.Anonymous):
            name = node.name.lower()
            if not name.startswith("jm_") and name not in SPARK_FUNCTIONS:
                yield f"function {node.name}()"
        elif isinstance(node, (exp.Func, exp.WithinGroup)) and not isinstance(
            node.parent, exp.WithinGroup
        ):
            call = _CALL.match(node.sql(dialect="spark"))
            if call and call.group(1).upper() in SPARK_EMITTED:
                source = node.sql(dialect="duckdb")
                yield f"{SPARK_EMITTED[call.group(1).upper()]}: {source[:60]}"
        if isinstance(node, exp.Star):
            for arg, syntax in (
                ("except_", "EXCLUDE"),
                ("replace", "REPLACE"),
                ("rename", "RENAME"),
            ):
                if node.args.get(arg):
                    yield f"select * {syntax} (...)"
        elif isinstance(node, exp.Slice):
            yield f"list slice [{node.sql(dialect='duckdb')}]"
        elif isinstance(node, exp.Join) and node.method in {"ASOF", "POSITIONAL"}:
            yield f"{node.method} JOIN"
        elif isinstance(node, exp.Columns):
            yield "COLUMNS(...)"
        elif isinstance(node, exp.Update) and node.args.get("from_"):
            yield "UPDATE ... FROM (use MERGE INTO)"
        elif isinstance(node, exp.DataType) and node.this in DUCKDB_ONLY_TYPES:
            yield f"type {DUCKDB_ONLY_TYPES[node.this].split(' ')[0]}"


def portability_problems(relative: str, text: str) -> list[str]:
    """What keeps model ``relative`` (its ``text``) from running on Spark, one line each."""
    try:
        statements = sqlglot.parse(text, read="duckdb", error_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.ParseError as e:
        return [f"sql/{relative}: sqlglot cannot parse it as DuckDB: {e}"]
    problems = []
    for tree in statements:
        if tree is None:
            continue
        try:
            tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
        except sqlglot.errors.UnsupportedError as e:
            problems.append(f"sql/{relative}: Spark lacks {e}")
        for construct in _duckdb_only(tree):
            if (relative, construct) not in ALLOWED:
                problems.append(f"sql/{relative}: Spark lacks {construct}")
    return sorted(set(problems))


def test_the_models_are_found() -> None:
    assert len(MODELS) >= 30
    assert "mine/transitions.sql" in MODELS and "warehouse/macros.sql" not in MODELS
    assert all((SQL / path).exists() or path.endswith("/") for path in EXCLUDED)


@pytest.mark.parametrize("relative", MODELS)
def test_model_transpiles_to_spark(relative: str) -> None:
    problems = portability_problems(relative, (SQL / relative).read_text(encoding="utf-8"))
    assert not problems, (
        "\n".join(problems) + "\nPut DuckDB-only functions behind a jm_ macro in "
        "sql/warehouse/macros.sql, or rewrite the construct in SQL both engines have."
    )


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ("select list_reduce(xs, lambda a, b: a + b) from t", "function list_reduce()"),
        ("select * exclude (a) from t", "select * EXCLUDE (...)"),
        ("select * replace (1 as a) from t", "select * REPLACE (...)"),
        ("select xs[1:2] from t", "list slice [1:2]"),
        ("select cast(sum(x) as hugeint) from t", "type HUGEINT"),
        ("select * from t asof join u on t.a >= u.a", "ASOF JOIN"),
        ("update t set a = u.a from u where t.k = u.k", "UPDATE ... FROM (use MERGE INTO)"),
        ("select occurred_at + to_seconds(5) from t", "function to_seconds()"),
        ("select * from duckdb_tables()", "function duckdb_tables()"),
        ("select * from read_csv('x.csv')", "the table function read_csv: READ_CSV('x.csv')"),
        (
            "select percentile_cont(0.9) within group (order by s) from t",
            "an approximate percentile (use jm_percentile, exact): ",
        ),
        ("select regexp_full_match(a, 'x') from t", "regexp_full_match: REGEXP_FULL_MATCH(a, 'x')"),
    ],
)
def test_duckdb_only_constructs_are_caught(text: str, construct: str) -> None:
    (problem,) = portability_problems("mine/example.sql", text)
    assert problem.startswith(f"sql/mine/example.sql: Spark lacks {construct}"), problem


def test_what_sqlglot_itself_rejects_is_reported() -> None:
    (problem,) = portability_problems("mine/example.sql", "select try(1 / 0) from t")
    assert problem.startswith("sql/mine/example.sql: Spark lacks") and "TRY" in problem


def test_macros_and_portable_functions_pass() -> None:
    text = (
        "select jm_wilson_low(k, n), jm_seconds_between(a, b), to_json(s), "
        "jm_percentile(x, 0.5), list_transform(xs, lambda x: x + 1), "
        "string_agg(tp, ' > ' order by step), count(*) filter (where ok) from t"
    )
    assert portability_problems("mine/example.sql", text) == []


def test_the_schema_allowance_is_narrow() -> None:
    text = "create table t (a json)"
    assert portability_problems("warehouse/schema.sql", text) == []
    assert portability_problems("mine/example.sql", text) == [
        "sql/mine/example.sql: Spark lacks type JSON"
    ]
