"""``journeymine sql``: a read-only SQL prompt on the analysts' copy of the warehouse.

The nightly run writes ``journeymine.duckdb`` and publishes ``journeymine-analytics.duckdb``
beside it (:func:`journeymine.warehouse.publish`). DuckDB allows one writer or many read-only
readers per file, so this command opens the published copy read-only: it never blocks the
writer, and a statement that would change the copy fails with a message saying so.

Three ways in: ``-c SQL`` and ``-f FILE`` run statements and exit (1 at the first failing
one), SQL piped on stdin likewise, and a terminal gets an interactive prompt (:class:`Shell`).
Results print as an aligned table for people, or as CSV or JSON for scripts.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import shutil
import sys
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

from journeymine.errors import JourneymineError

if TYPE_CHECKING:  # duckdb is imported when the command runs, not when the parser is built
    import duckdb

Format = Literal["table", "csv", "json"]
FORMATS: tuple[Format, ...] = ("table", "csv", "json")
DEFAULT_MAX_ROWS = 40
MIN_COLUMN_WIDTH = 8
HISTORY_FILE = Path("~/.journeymine_sql_history")

# statements whose result is only DuckDB's "Count" or "Success": nothing worth printing
_SILENT = frozenset(
    {"CREATE", "DROP", "ALTER", "SET", "VARIABLE_SET", "TRANSACTION", "PREPARE", "DEALLOCATE"}
)


class StatementError(JourneymineError):
    """A statement failed; the message is DuckDB's (made one line by :func:`one_line`)."""


# --------------------------------------------------------------------------- the database


def open_readonly(
    path: Path, *, memory_limit: str | None = None, published: bool = True
) -> duckdb.DuckDBPyConnection:
    """Open ``path`` read-only, with journeymine's macros; a missing file is a clear error.

    ``published``: ``path`` is the analysts' copy a nightly run publishes (not a file the
    user named), so the error says how to make it.
    """
    from journeymine.warehouse import connect

    if not path.is_file():
        if published:
            raise JourneymineError(
                f"{path}: the analysts' copy does not exist yet: run `make run` first "
                "(the nightly run publishes it when it is done)"
            )
        raise JourneymineError(f"{path}: no such database file")
    return connect(path, read_only=True, memory_limit=memory_limit)


def one_line(exc: BaseException) -> str:
    """DuckDB's message without the caret drawing under the query: one line."""
    head = str(exc).split("\n\n", 1)[0]
    return " ".join(part.strip() for part in head.splitlines() if part.strip())


def explain_error(exc: Exception, path: Path) -> str:
    """The message for a failed statement; a write says that the copy is read-only."""
    message = one_line(exc)
    if "read-only mode" in message:
        return (
            f"{path} is open read-only (the analysts' copy: the nightly run replaces it, "
            f"nothing else writes it); {message}"
        )
    return message


# --------------------------------------------------------------------------- formatting


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    text = value.isoformat(sep=" ") if isinstance(value, dt.datetime) else str(value)
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _fit(widths: list[int], limit: int | None) -> list[int]:
    """Narrow the widest columns until the row fits ``limit`` (none below a minimum)."""
    widths = list(widths)
    if limit is None:
        return widths
    while sum(widths) + 2 * (len(widths) - 1) > limit:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= MIN_COLUMN_WIDTH:
            break  # too many columns for the terminal: let the lines wrap
        widths[widest] -= 1
    return widths


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    total: int | None = None,
    width: int | None = None,
    more_hint: str = "--max-rows N shows more, 0 all",
) -> str:
    """An aligned table, numbers right-aligned, cut to ``width`` characters when given.

    ``total`` is the number of rows the result had when ``rows`` holds only the first ones.
    """
    total = len(rows) if total is None else total
    cells = [[_cell(v) for v in row] for row in rows]
    numeric = [
        any(_is_number(row[i]) for row in rows)
        and all(row[i] is None or _is_number(row[i]) for row in rows)
        for i in range(len(columns))
    ]
    natural = [max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(columns)]
    widths = _fit(natural, width)

    def line(values: Sequence[str]) -> str:
        parts = []
        for i, value in enumerate(values):
            text = _clip(value, widths[i])
            parts.append(text.rjust(widths[i]) if numeric[i] else text.ljust(widths[i]))
        return "  ".join(parts).rstrip()

    out = [line(columns), "  ".join("-" * w for w in widths)]
    out.extend(line(row) for row in cells)
    noun = "row" if total == 1 else "rows"
    if total > len(rows):
        out.append(f"({total:,} {noun}, first {len(rows):,} shown; {more_hint})")
    else:
        out.append(f"({total:,} {noun})")
    return "\n".join(out)


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def write_csv(out: TextIO, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A header and the rows; NULL is an empty field."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])


def write_json(out: TextIO, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A JSON array of objects, one row per line; timestamps in ISO 8601, NULL as null."""
    out.write("[")
    for n, row in enumerate(rows):
        record = json.dumps(
            dict(zip(columns, row, strict=True)), default=_json_value, ensure_ascii=False
        )
        out.write(("\n" if n == 0 else ",\n") + record)
    out.write("\n]\n")


# --------------------------------------------------------------------------- running SQL


def _batches(result: duckdb.DuckDBPyConnection, size: int = 10_000) -> Iterable[list[Any]]:
    while batch := result.fetchmany(size):
        yield batch


@dataclass
class Runner:
    """Runs statements on a read-only connection and prints what they return."""

    con: duckdb.DuckDBPyConnection
    path: Path
    out: TextIO
    format: Format = "table"
    max_rows: int = DEFAULT_MAX_ROWS  # table format only; 0: all
    width: int | None = None  # table format: None fits the terminal when out is one
    more_hint: str = "--max-rows N shows more, 0 all"

    def split(self, text: str) -> list[tuple[str, str]]:
        """(statement type, text) of each statement; a syntax error raises StatementError."""
        import duckdb

        try:
            statements = duckdb.extract_statements(text)
        except duckdb.Error as exc:
            raise StatementError(explain_error(exc, self.path)) from exc
        return [(s.type.name, s.query.strip()) for s in statements]

    def run(self, text: str) -> None:
        """Run every statement in ``text`` in turn; the first failure raises StatementError."""
        shown = 0
        for kind, statement in self.split(text):
            if self.run_one(kind, statement, separate=shown > 0):
                shown += 1

    def run_one(self, kind: str, statement: str, *, separate: bool = False) -> bool:
        """Run one statement; True when it printed a result (``separate``: a blank line
        before a table, after an earlier one)."""
        import duckdb

        try:
            result = self.con.execute(statement)
            columns = [d[0] for d in self.con.description or []]
            if kind in _SILENT or not columns:
                return False
            if separate and self.format == "table":
                self.out.write("\n")
            self.show(columns, result)
        except duckdb.Error as exc:
            raise StatementError(explain_error(exc, self.path)) from exc
        return True

    def _width(self) -> int | None:
        if self.width is not None:
            return self.width
        isatty = getattr(self.out, "isatty", None)
        return shutil.get_terminal_size().columns if isatty and isatty() else None

    def show(self, columns: list[str], result: duckdb.DuckDBPyConnection) -> None:
        if self.format == "csv":
            write_csv(self.out, columns, (row for batch in _batches(result) for row in batch))
        elif self.format == "json":
            write_json(self.out, columns, (row for batch in _batches(result) for row in batch))
        else:
            rows = result.fetchall() if self.max_rows <= 0 else result.fetchmany(self.max_rows)
            total = len(rows) + sum(len(batch) for batch in _batches(result, 100_000))
            table = format_table(
                columns, rows, total=total, width=self._width(), more_hint=self.more_hint
            )
            self.out.write(table + "\n")
        self.out.flush()

    def show_rows(self, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        """Print rows already fetched (the dot-commands' answers) in the current format."""
        if self.format == "csv":
            write_csv(self.out, columns, rows)
        elif self.format == "json":
            write_json(self.out, columns, rows)
        else:
            self.out.write(format_table(columns, rows, width=self._width()) + "\n")


# --------------------------------------------------------------------------- the prompt


def is_complete(text: str) -> bool:
    """Does ``text`` end with a ``;`` outside quotes and comments (a statement is done)?"""
    state = ""  # '', "'", '"', '--', '/*', or a $tag$ dollar quote
    last = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if state == "":
            if ch in "'\"":
                state = ch
            elif text.startswith("--", i):
                state = "--"
            elif text.startswith("/*", i):
                state, i = "/*", i + 1
            elif ch == "$":
                end = text.find("$", i + 1)
                tag = text[i : end + 1] if end != -1 else ""
                if tag and (tag == "$$" or tag[1:-1].replace("_", "a").isalnum()):
                    state, i = tag, end
            if not ch.isspace() and state == "":
                last = ch
        elif state in ("'", '"'):
            if ch == state:
                state = ""  # a doubled quote reopens at once: same result
            last = ch
        elif state == "--":
            if ch == "\n":
                state = ""
        elif state == "/*":
            if text.startswith("*/", i):
                state, i = "", i + 1
        elif text.startswith(state, i):
            i += len(state) - 1
            state, last = "", "$"
        i += 1
    return state in ("", "--") and last == ";"


HELP = """\
Statements end with ';' and may span lines. The database is open read-only.
  .tables             tables and views, with columns and approximate rows
  .schema [NAME]      the statement that creates NAME (or every table and view)
  .format FORMAT      table, csv or json (now: {format})
  .maxrows N          rows a table shows, 0 for all (now: {max_rows})
  .help               this text
  .quit               leave (or Ctrl-D)
Any DuckDB client works on the file too, read-only: {path}"""


class Shell:
    """The interactive prompt; :meth:`feed` takes one line, :meth:`loop` reads a terminal."""

    prompt = "jm> "
    continuation = " -> "

    def __init__(self, runner: Runner, err: TextIO) -> None:
        self.runner = runner
        self.err = err
        self.buffer: list[str] = []
        self.runner.more_hint = ".maxrows N shows more, 0 all"

    @property
    def current_prompt(self) -> str:
        return self.continuation if self.buffer else self.prompt

    def feed(self, line: str) -> bool:
        """Take one line of input; False when the session should end."""
        if not self.buffer and line.strip().startswith("."):
            return self.dot_command(line.strip())
        if not self.buffer and not line.strip():
            return True
        self.buffer.append(line)
        text = "\n".join(self.buffer)
        if is_complete(text):
            self.buffer = []
            self.execute(text)
        return True

    def execute(self, text: str) -> None:
        try:
            self.runner.run(text)
        except StatementError as exc:
            self.error(str(exc))
        except KeyboardInterrupt:
            self.error("interrupted")

    def error(self, message: str) -> None:
        self.runner.out.flush()
        self.err.write(f"error: {message}\n")
        self.err.flush()

    def dot_command(self, line: str) -> bool:
        from journeymine import sql

        word, _, rest = line.partition(" ")
        arg = rest.strip().rstrip(";").strip()
        if word in (".quit", ".exit", ".q"):
            return False
        if word == ".help":
            self.runner.out.write(
                HELP.format(
                    format=self.runner.format,
                    max_rows=self.runner.max_rows,
                    path=self.runner.path,
                )
                + "\n"
            )
        elif word == ".tables":
            rows = sql.fetch(self.runner.con, "shell/tables")
            self.runner.show_rows(["name", "kind", "columns", "approx_rows"], rows)
        elif word == ".schema":
            found = sql.fetch(self.runner.con, "shell/schema", {"name": arg or None})
            if not found:
                self.error(f"no table or view named {arg!r} (.tables lists them)")
            for (statement,) in found:
                self.runner.out.write(f"{statement}\n")
        elif word == ".format" and arg in FORMATS:
            self.runner.format = next(f for f in FORMATS if f == arg)
        elif word == ".maxrows" and arg.isdigit():
            self.runner.max_rows = int(arg)
        elif word in (".format", ".maxrows"):
            self.error(f"{word} takes {'|'.join(FORMATS) if word == '.format' else 'a number'}")
        else:
            self.error(f"unknown command {word} (.help lists them)")
        self.runner.out.flush()
        return True

    def banner(self) -> str:
        published = dt.datetime.fromtimestamp(self.runner.path.stat().st_mtime)
        return (
            f"journeymine sql: {self.runner.path} (read-only, published "
            f"{published:%Y-%m-%d %H:%M})\n"
            "Statements end with ';'. .tables lists the tables, .help the commands, "
            ".quit leaves."
        )

    def loop(self, read: Any = input) -> None:
        """Read lines from the terminal until .quit or end of input."""
        history = _start_history()
        self.runner.out.write(self.banner() + "\n")
        try:
            while True:
                try:
                    line = read(self.current_prompt)
                except KeyboardInterrupt:  # Ctrl-C drops the statement being typed
                    self.buffer = []
                    self.runner.out.write("\n")
                    continue
                except EOFError:
                    self.runner.out.write("\n")
                    break
                if not self.feed(line):
                    break
        finally:
            _save_history(history)


def _start_history() -> Path | None:
    """Line editing and history through readline, where Python has it."""
    try:
        import readline
    except ImportError:  # pragma: no cover - Python built without readline
        return None
    path = HISTORY_FILE.expanduser()
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(1000)
    return path


def _save_history(path: Path | None) -> None:
    if path is None:
        return
    import readline

    with contextlib.suppress(OSError):
        readline.write_history_file(path)


# --------------------------------------------------------------------------- the command


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """``--config`` or ``--database``: which database a read-only command opens."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--config",
        type=Path,
        default=Path("journeymine.yaml"),
        help="configuration whose analysts' copy to open (default: %(default)s)",
    )
    where.add_argument(
        "--database", type=Path, help="open this DuckDB file instead (read-only too)"
    )


def database_to_open(config: Path, database: Path | None) -> tuple[Path, str | None]:
    """The file a read-only command opens, and the memory limit to open it with:
    ``database`` when given, else the analysts' copy of ``config``'s warehouse."""
    if database is not None:
        return Path(database), None
    from journeymine.config import load_config
    from journeymine.warehouse import published_path

    loaded = load_config(config)
    return published_path(loaded.warehouse_path), loaded.memory_limit


def add_sql_command(sub: Any) -> None:
    """Register ``journeymine sql`` on the command line's subparsers."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "sql",
        help="query the analysts' copy of the warehouse (read-only SQL)",
        description="Open the analysts' copy of the warehouse (the -analytics.duckdb file the "
        "nightly run publishes) read-only, so it works while the run writes. -c runs "
        "statements, -f a file, piped stdin its SQL; in a terminal, an interactive prompt "
        "(.help lists its commands). Exit code 1 when a statement fails, 2 when the database "
        "cannot be opened.",
    )
    add_database_options(parser)
    what = parser.add_mutually_exclusive_group()
    what.add_argument("-c", "--command", metavar="SQL", help="run these statements and exit")
    what.add_argument("-f", "--file", type=Path, help="run the statements in this file and exit")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table (aligned, for people), csv or json (every row, for scripts); "
        "default: %(default)s",
    )
    parser.add_argument(
        "--max-rows",
        type=int,
        default=DEFAULT_MAX_ROWS,
        metavar="N",
        help="rows a table shows; a longer result says how many it has (0: all; "
        "default: %(default)s)",
    )
    parser.set_defaults(func=run_sql_command)


def _read_script(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise JourneymineError(f"{path}: cannot read the SQL file: {reason}") from exc


def run_sql_command(
    args: argparse.Namespace, *, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """``journeymine sql``: 0 when every statement ran, 1 at the first one that failed."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    path, memory_limit = database_to_open(args.config, args.database)
    script: str | None = None
    if args.command is not None:
        script = args.command
    elif args.file is not None:
        script = _read_script(args.file)
    elif not stdin.isatty():
        script = stdin.read()
    con = open_readonly(path, memory_limit=memory_limit, published=args.database is None)
    try:
        runner = Runner(con, path, stdout, format=args.format, max_rows=args.max_rows)
        if script is None:
            Shell(runner, sys.stderr).loop()
            return 0
        try:
            runner.run(script)
        except StatementError as exc:
            stdout.flush()
            print(f"journeymine: error: {exc}", file=sys.stderr)
            return 1
        return 0
    finally:
        con.close()


__all__ = [
    "FORMATS",
    "Runner",
    "Shell",
    "StatementError",
    "add_database_options",
    "add_sql_command",
    "database_to_open",
    "format_table",
    "is_complete",
    "open_readonly",
    "run_sql_command",
    "write_csv",
    "write_json",
]
