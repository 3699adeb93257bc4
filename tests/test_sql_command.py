"""``journeymine sql``: read-only SQL on the analysts' copy, while the writer holds its file."""

from __future__ import annotations

import csv
import io
import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from journeymine.cli import main
from journeymine.config import load_config
from journeymine.generate import GeneratedSample
from journeymine.identity import stitch
from journeymine.sqlshell import Runner, Shell, format_table, is_complete
from journeymine.warehouse import connect, publish, published_path
from tests.conftest import ingest_all, write_config

HOLD = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])  # read-write: the writer's lock on the file
print("holding", flush=True)
time.sleep(60)
"""


@dataclass(frozen=True)
class Warehouse:
    config: Path
    writer: Path
    copy: Path
    events: int  # rows the ingestion reported loaded into events
    by_source: dict[str, int]


@pytest.fixture(scope="module")
def warehouse(sample: GeneratedSample, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The sample ingested and stitched into a configured warehouse, then published."""
    directory = tmp_path_factory.mktemp("sql-command")
    config_path = write_config(directory, sample.out_dir)
    config = load_config(config_path)
    with connect(config.warehouse_path) as con:
        reports = ingest_all(con, config)
        stitch(con)
    copy = publish(config.warehouse_path)
    by_source = {r.source: r.total("rows_loaded") for r in reports}
    return Warehouse(config_path, config.warehouse_path, copy, sum(by_source.values()), by_source)


@pytest.fixture
def writer_held(warehouse: Warehouse) -> Iterator[int]:
    """Another process holds a read-write connection on the writer's file; yields its pid."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(warehouse.writer)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        # the lock is real: not even a read-only reader gets the writer's file now
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(warehouse.writer), read_only=True)
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()


def test_count_events_on_the_copy_while_the_writer_holds_its_file(
    warehouse: Warehouse, writer_held: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert warehouse.events > 3000
    code = main(["sql", "--config", str(warehouse.config), "-c", "select count(*) from events"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.splitlines() == [
        "count_star()",
        "------------",
        f"{warehouse.events:>12}",
        "(1 row)",
    ]
    # the copy is derived from the configuration like publish does
    assert published_path(warehouse.writer) == warehouse.copy


def test_the_writers_own_file_is_refused_with_the_lock_holder(
    warehouse: Warehouse, writer_held: int, capsys: pytest.CaptureFixture[str]
) -> None:
    # refused like any locked warehouse (its exit code is the command line's, not ours)
    assert main(["sql", "--database", str(warehouse.writer), "-c", "select 1"]) not in (0, 1)
    err = capsys.readouterr().err
    assert f"locked (held by process {writer_held})" in err
    assert "-analytics.duckdb" in err


def test_a_file_of_statements_as_csv(
    warehouse: Warehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "by_source.sql"
    script.write_text(
        "-- events per source; a comment; with a semicolon inside ';' a string\n"
        "select source,\n       count(*) as n\n  from events\n group by source\n"
        " order by source;\n",
        encoding="utf-8",
    )
    code = main(["sql", "--config", str(warehouse.config), "-f", str(script), "--format", "csv"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    rows = list(csv.reader(io.StringIO(captured.out)))
    assert rows[0] == ["source", "n"]
    assert {source: int(n) for source, n in rows[1:]} == warehouse.by_source
    assert [r[0] for r in rows[1:]] == ["chat", "social", "web"]


def test_json_output_parses_back_to_the_same_rows(
    warehouse: Warehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    query = (
        "select channel, count(*) as events, min(occurred_at) as first, "
        "count(distinct customer_id) as customers, null as nothing "
        "from events group by channel order by channel"
    )
    assert main(["sql", "--database", str(warehouse.copy), "--format", "json", "-c", query]) == 0
    parsed = json.loads(capsys.readouterr().out)
    with duckdb.connect(str(warehouse.copy), read_only=True) as con:
        expected = con.execute(query).fetchall()
    assert [
        (r["channel"], r["events"], r["first"], r["customers"], r["nothing"]) for r in parsed
    ] == [(c, n, first.isoformat(), cust, None) for c, n, first, cust, _ in expected]
    assert sum(r["events"] for r in parsed) == warehouse.events


def test_sql_from_stdin_and_several_statements(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        sys,
        "stdin",
        io.StringIO(
            "set threads = 1;\nselect count(*) as n from events;\n"
            "select count(*) as n from events where source = 'web'"
        ),
    )
    code = main(["sql", "--config", str(warehouse.config), "--format", "csv"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    # `set` prints nothing; each query prints its own header and rows
    assert captured.out.splitlines() == [
        "n",
        str(warehouse.events),
        "n",
        str(warehouse.by_source["web"]),
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "insert into loads (load_id) values (999999)",
        "delete from events",
        "create table mine as select 1 as x",
        "drop table quarantine",
    ],
)
def test_writes_fail_because_the_copy_is_read_only(
    warehouse: Warehouse, statement: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sql", "--config", str(warehouse.config), "-c", statement])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    [line] = captured.err.splitlines()  # one line
    assert line.startswith(f"journeymine: error: {warehouse.copy} is open read-only")
    assert "read-only mode" in line
    with duckdb.connect(str(warehouse.copy), read_only=True) as con:
        assert con.execute("select count(*) from events").fetchall() == [(warehouse.events,)]
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert "mine" not in tables and "quarantine" in tables


def test_a_failing_statement_stops_the_script_with_exit_1(
    warehouse: Warehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    script = "select 1 as before; select * from no_such_table; select 3 as after"
    assert main(["sql", "--database", str(warehouse.copy), "-c", script]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[:4] == ["before", "------", "     1", "(1 row)"]
    assert "after" not in captured.out
    [line] = captured.err.splitlines()
    assert line.startswith("journeymine: error: Catalog Error: Table with name no_such_table")


def test_a_syntax_error_is_one_line_and_exit_1(
    warehouse: Warehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sql", "--database", str(warehouse.copy), "-c", "selec 1"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line == 'journeymine: error: Parser Error: syntax error at or near "selec"'


def test_missing_copy_exit_2_names_the_path(
    sample: GeneratedSample, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, sample.out_dir)  # never run: nothing published
    assert main(["sql", "--config", str(config), "-c", "select 1"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    expected = tmp_path / "warehouse-analytics.duckdb"
    assert line == (
        f"journeymine: error: {expected}: the analysts' copy does not exist yet: run "
        "`make run` first (the nightly run publishes it when it is done)"
    )
    assert not expected.exists()  # and nothing was created on the way
    assert main(["sql", "--database", str(tmp_path / "x.duckdb"), "-c", "select 1"]) == 2
    assert f"{tmp_path / 'x.duckdb'}: no such database file" in capsys.readouterr().err
    assert not (tmp_path / "x.duckdb").exists()


def test_a_big_result_says_how_many_rows_and_shows_the_first(
    warehouse: Warehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    query = "select event_id, occurred_at from events order by occurred_at, event_id"
    args = ["sql", "--database", str(warehouse.copy), "-c", query]
    assert main([*args, "--max-rows", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 + 5 + 1
    assert (
        lines[-1] == f"({warehouse.events:,} rows, first 5 shown; --max-rows N shows more, 0 all)"
    )
    assert main([*args, "--max-rows", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 + warehouse.events + 1
    assert lines[-1] == f"({warehouse.events:,} rows)"
    assert main([*args, "--format", "csv"]) == 0  # csv and json: every row, for scripts
    assert len(capsys.readouterr().out.splitlines()) == 1 + warehouse.events


def test_table_alignment_nulls_and_terminal_width() -> None:
    table = format_table(
        ["name", "n", "note"],
        [("payment", 204, "drop-off\nat payment"), ("delivery_info", None, "x" * 200)],
        width=50,
    )
    assert table.splitlines() == [
        "name              n  note",
        "-------------  ----  -----------------------------",
        "payment         204  drop-off\\nat payment",
        "delivery_info  NULL  xxxxxxxxxxxxxxxxxxxxxxxxxxxx…",
        "(2 rows)",
    ]
    assert all(len(line) <= 50 for line in table.splitlines())
    wide = format_table(["a"], [("y" * 100,)])  # no width (not a terminal): nothing is cut
    assert "y" * 100 in wide


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("select 1;", True),
        ("select 1", False),
        ("select ';'", False),
        ("select ';' ;  ", True),
        ("select 1; -- done", True),
        ("select 1 -- not yet;", False),
        ("select /* ; */ 1", False),
        ('select 1 as "a;b"', False),
        ("select $$ ; $$", False),
        ("select $$ ; $$;", True),
        ("select 'it''s';", True),
    ],
)
def test_a_statement_ends_at_a_semicolon_outside_quotes_and_comments(
    text: str, complete: bool
) -> None:
    assert is_complete(text) is complete


def _shell(
    warehouse: Warehouse,
) -> tuple[Shell, io.StringIO, io.StringIO, duckdb.DuckDBPyConnection]:
    from journeymine.sqlshell import open_readonly

    con = open_readonly(warehouse.copy)
    out, err = io.StringIO(), io.StringIO()
    return Shell(Runner(con, warehouse.copy, out), err), out, err, con


def test_interactive_session_fed_line_by_line(warehouse: Warehouse) -> None:
    shell, out, err, con = _shell(warehouse)
    try:
        assert shell.current_prompt == "jm> "
        assert shell.feed("select count(*) as n") is True
        assert shell.current_prompt == " -> " and out.getvalue() == ""  # waits for the ';'
        shell.feed("  from events")
        shell.feed("where source = 'web';")
        web = str(warehouse.by_source["web"])
        assert out.getvalue().splitlines() == [
            "n".rjust(len(web)),
            "-" * len(web),
            web,
            "(1 row)",
        ]
        assert shell.current_prompt == "jm> "

        out.truncate(0), out.seek(0)
        shell.feed(".tables")
        listed = {line.split()[0]: line.split() for line in out.getvalue().splitlines()[2:-1]}
        assert {"events", "quarantine", "loads", "customers"} <= set(listed)
        assert listed["events"][1:] == ["table", "12", str(warehouse.events)]
        assert "jm_internal.customer_map" in listed

        out.truncate(0), out.seek(0)
        shell.feed(".schema quarantine")
        assert out.getvalue().startswith("CREATE TABLE quarantine(")
        assert "reason_code VARCHAR" in out.getvalue()

        # an error prints and the session goes on
        out.truncate(0), out.seek(0)
        shell.feed("select * from no_such_table;")
        assert err.getvalue().startswith("error: Catalog Error: Table with name no_such_table")
        assert shell.current_prompt == "jm> "
        shell.feed("delete from events;")
        assert "is open read-only" in err.getvalue().splitlines()[-1]
        shell.feed("select 40 + 2 as answer;")
        assert out.getvalue().splitlines() == ["answer", "------", "    42", "(1 row)"]

        shell.feed(".format csv")
        out.truncate(0), out.seek(0)
        shell.feed("select 1 as a, 'x' as b;")
        assert out.getvalue() == "a,b\n1,x\n"
        shell.feed(".schema nothing_here")
        assert err.getvalue().splitlines()[-1] == (
            "error: no table or view named 'nothing_here' (.tables lists them)"
        )
        out.truncate(0), out.seek(0)
        shell.feed(".help")
        assert ".schema [NAME]" in out.getvalue() and "(now: csv)" in out.getvalue()
        assert shell.feed(".quit") is False
    finally:
        con.close()


def test_interactive_session_in_a_pseudo_terminal(warehouse: Warehouse, tmp_path: Path) -> None:
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    env = {**os.environ, "HOME": str(tmp_path), "TERM": "dumb", "COLUMNS": "100"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "journeymine.cli", "sql", "--database", str(warehouse.copy)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)

    def until(token: str, timeout: float = 30) -> str:
        seen = b""
        deadline = time.monotonic() + timeout
        while token.encode() not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
        return seen.decode(errors="replace")

    def send(line: str) -> None:
        os.write(master, (line + "\n").encode())

    try:
        assert "read-only" in until("jm> ")
        send("select count(*) as n")
        assert " -> " in until(" -> ")
        send("from events;")
        assert f"{warehouse.events}\r\n(1 row)" in until("jm> ")
        send(".tables")
        assert "customers" in until("jm> ")
        send("select * from no_such_table;")
        assert "error: Catalog Error" in until("jm> ")
        send("select 6 * 7 as answer;")
        assert "42" in until("jm> ")
        send(".quit")
        assert proc.wait(timeout=30) == 0
        assert "select 6 * 7 as answer;" in (tmp_path / ".journeymine_sql_history").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["sql", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in ("--config", "--database", "-c", "-f", "--format", "--max-rows"):
        assert option in out
