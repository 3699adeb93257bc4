"""Column names and types that analysts' tools like, over every table of the warehouse.

One name for one thing (the impact of a flag is ``lost_goal_completions`` everywhere); counts
are BIGINT, never HUGEINT (pandas and BI drivers handle it badly); every rate or share is a
fraction in [0, 1] named ``*_rate`` or ``*_share`` (its interval ``*_low`` / ``*_high``);
percentages only in human text.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb

from journeymine.report import export_flags_csv
from tests.mining import Mined

# A fraction in [0, 1]: rates and shares with their intervals, and the process-mining scores
# DOMAIN.md names (fitness, design coverage).
FRACTION = re.compile(r"(_rate|_share)(_low|_high)?$|(^|_)fitness$|^design_coverage$")
# Words that say "a rate" in a column's name: such a column must be named *_rate or *_share.
RATE_WORDS = {"rate", "share", "ratio", "pct", "percent", "percentage", "proportion", "conversion"}
# Names replaced by one name everywhere.
RENAMED = {"impact": "lost_goal_completions"}
# Integer columns that are ordinals, not counts.
ORDINALS = re.compile(r"(_order|_no|^rank|^rank_in_kind)$")
# Columns of out/flags.csv that come from the map, not from table flags.
FROM_THE_MAP = {"touchpoint_label", "stage"}


def _columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = current_database() and schema_name = 'main' "
        "order by table_name, column_index"
    ).fetchall()


def type_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    problems = []
    for table, column, data_type in _columns(con):
        if data_type in {"HUGEINT", "UHUGEINT"} or (
            data_type in {"TINYINT", "SMALLINT", "INTEGER", "UINTEGER", "UBIGINT"}
            and not ORDINALS.search(column)
        ):
            problems.append(f"{table}.{column} is {data_type}, not BIGINT")
    return problems


def name_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    problems = []
    for table, column, _ in _columns(con):
        words = set(column.split("_"))
        for old, new in RENAMED.items():
            if old in words:
                problems.append(f"{table}.{column}: {old} is called {new}")
        if words & RATE_WORDS and not re.search(r"_(rate|share)(_low|_high)?$", column):
            problems.append(f"{table}.{column}: a rate is named *_rate or *_share")
    return problems


def fraction_problems(con: duckdb.DuckDBPyConnection) -> tuple[list[str], int]:
    """Fraction columns outside [0, 1] or not DOUBLE; and how many fraction values were seen."""
    problems, seen = [], 0
    for table, column, data_type in _columns(con):
        if not FRACTION.search(column):
            continue
        if data_type != "DOUBLE":
            problems.append(f"{table}.{column} is {data_type}, not DOUBLE")
            continue
        (n, outside) = con.execute(
            f'select count("{column}"), count(*) filter (where "{column}" not between 0 and 1) '
            f'from "{table}"'
        ).fetchall()[0]
        seen += n
        if outside:
            problems.append(f"{table}.{column}: {outside} value(s) outside [0, 1]")
    return problems, seen


def test_counts_are_bigint(mined_stories: Mined) -> None:
    con = mined_stories[0]
    assert type_problems(con) == []


def test_one_name_per_thing_and_rates_named_as_rates(mined_stories: Mined) -> None:
    con = mined_stories[0]
    assert name_problems(con) == []


def test_rates_and_shares_are_fractions(mined_stories: Mined) -> None:
    con = mined_stories[0]
    problems, seen = fraction_problems(con)
    assert problems == []
    assert seen > 1000  # the rule had values to check
    # flags whose metric is a rate carry it as a fraction too
    outside = con.execute(
        "select metric, value, ci_low, ci_high from flags "
        "where regexp_matches(metric, '_(rate|share)$') "
        "and not (value between 0 and 1 and ci_low between 0 and 1 and ci_high between 0 and 1)"
    ).fetchall()
    assert outside == []
    metrics = {m for (m,) in con.execute("select distinct metric from flags").fetchall()}
    assert metrics >= {"drop_off_rate", "loop_rate", "goal_rate"}


def test_intermediate_models_stay_out_of_the_analysts_schema(mined_stories: Mined) -> None:
    con = mined_stories[0]
    schemas = dict(
        con.execute(
            "select table_name, schema_name from duckdb_tables() "
            "where database_name = current_database() and table_name like 'int\\_%' escape '\\'"
        ).fetchall()
    )
    assert schemas == {
        t: "jm_internal"
        for t in ("int_journeys", "int_variants",
                  "int_journey_profiles", "int_profile_segments",
                  "int_transition_counts",
                  "int_move_seconds", "int_node_counts", "int_next_seconds",
                  "int_undesigned_counts", "int_profile_journeys", "int_stage_reach",
                  "int_cycle_repeats", "int_cycle_touchpoints", "int_period_counts",
                  "int_start_counts", "int_visit_sets", "int_report_counts")
    }  # fmt: skip
    views = con.execute(
        "select view_name, schema_name from duckdb_views() "
        "where database_name = current_database() and view_name like 'int\\_%' escape '\\'"
    ).fetchall()
    assert views == [("int_journey_segments", "jm_internal")]


def test_the_flags_report_uses_the_flags_table_names(mined_stories: Mined, tmp_path: Path) -> None:
    con = mined_stories[0]
    path = export_flags_csv(con, tmp_path / "flags.csv")
    with path.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    flags = {c for t, c, _ in _columns(con) if t == "flags"}
    assert "lost_goal_completions" in header and "lost_goal_completions" in flags
    assert [c for c in header if c not in flags] == sorted(FROM_THE_MAP, reverse=True)
    report = con.execute(
        "select rank, round(lost_goal_completions, 1) from flags order by rank"
    ).fetchall()
    with path.open(encoding="utf-8", newline="") as f:
        rows = [(int(r["rank"]), float(r["lost_goal_completions"])) for r in csv.DictReader(f)]
    assert rows == report


def test_the_rules_catch_what_they_are_for() -> None:
    con = duckdb.connect(":memory:")
    con.execute(
        "create table bad as select cast(3 as hugeint) as visits, 1::integer as journeys, "
        "0.5 as impact, 52.7 as drop_off_pct, 1.5 as goal_rate, 0.3 as share, "
        "0.4 as overall_conversion"
    )
    assert type_problems(con) == [
        "bad.visits is HUGEINT, not BIGINT",
        "bad.journeys is INTEGER, not BIGINT",
    ]
    assert name_problems(con) == [
        "bad.impact: impact is called lost_goal_completions",
        "bad.drop_off_pct: a rate is named *_rate or *_share",
        "bad.share: a rate is named *_rate or *_share",
        "bad.overall_conversion: a rate is named *_rate or *_share",
    ]
    con.execute("create or replace table bad as select 1.5::double as goal_rate")
    assert fraction_problems(con) == (["bad.goal_rate: 1 value(s) outside [0, 1]"], 1)
    con.close()
