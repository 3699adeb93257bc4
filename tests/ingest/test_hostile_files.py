"""Messy exports: a bad row costs one row, never the file; empty files, byte-order marks and
bad bytes are handled; errors name the format, line and reason, never the file's content."""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest

from journeymine.config import load_config
from journeymine.ingest import FileLoad, ingest_source
from journeymine.warehouse import connect
from tests.conftest import TEST_KEY, write_config
from tests.test_identity import HEADER


def _row(i: int) -> str:
    return (
        f"e{i},2026-09-01T10:{i % 60:02d}:00Z,page_view,https://b.example/bikes/x{i},,ck{i % 97},"
        f",,s{i % 97},Mozilla/5.0 (X11),desktop,10.0.0.1,google,cpc,spring"
    )


def _load(
    tmp_path: Path, source: str, name: str, data: bytes
) -> tuple[FileLoad, duckdb.DuckDBPyConnection]:
    folder = tmp_path / "data" / source
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    config = load_config(write_config(tmp_path, tmp_path / "data"))
    con = connect(config.warehouse_path)
    (load,) = ingest_source(con, config, config.source(source), TEST_KEY).files
    return load, con


@pytest.mark.parametrize("rows", [20_000, 200_000])
def test_a_stray_quote_costs_one_line(tmp_path: Path, rows: int) -> None:
    lines = [HEADER] + [_row(i) for i in range(1, rows + 1)]
    lines[10] = lines[10].replace(",page_view,", ',"page_view,')  # data row 10: unterminated
    load, con = _load(tmp_path, "web", "big.csv", ("\n".join(lines) + "\n").encode())
    assert load.status == "loaded", load.error
    assert (load.rows_read, load.rows_loaded, load.rows_rejected) == (rows, rows - 1, 1)
    ((record_no, reason, size),) = con.execute(
        "select record_no, reason, length(raw_record) from quarantine"
    ).fetchall()
    assert record_no == 10
    assert reason.startswith("malformed_record: line 11 has an unterminated quote")
    assert size < 300  # the one line, not the rest of the file
    # the lines after it keep their own numbers
    assert con.execute("select record_no from events where event_id = 'e11'").fetchall() == [(11,)]


def test_quoted_values_with_delimiters_and_doubled_quotes_still_parse(tmp_path: Path) -> None:
    row = _row(1).replace("Mozilla/5.0 (X11)", '"Mozilla/5.0 (X11, ""like"" Gecko)"')
    load, _ = _load(tmp_path, "web", "q.csv", f"{HEADER}\n{row}\n".encode())
    assert (load.rows_loaded, load.rows_rejected) == (1, 0)


@pytest.mark.parametrize(
    ("source", "name", "data"),
    [
        ("web", "empty.csv", b""),
        ("social", "empty.jsonl", b""),
        ("social", "empty.jsonl.gz", gzip.compress(b"", mtime=0)),
        ("chat", "blank.jsonl", b"\n\n"),
    ],
)
def test_an_empty_file_is_an_empty_load(
    tmp_path: Path, source: str, name: str, data: bytes
) -> None:
    load, _ = _load(tmp_path, source, name, data)
    assert load.status == "loaded", load.error
    assert load.rows_read == 0


def test_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    data = ("\ufeff" + HEADER + "\n" + _row(1) + "\n").encode("utf-8")
    load, _ = _load(tmp_path, "web", "bom.csv", data)
    assert (load.status, load.rows_loaded) == ("loaded", 1), load.error
    line = (
        '{"id": "p1", "created_at": "2026-09-01T10:00:00Z", "type": "ad_click", '
        '"user": {"handle": "@a"}}'
    )
    load, _ = _load(tmp_path / "j", "social", "bom.jsonl", ("\ufeff" + line + "\n").encode())
    assert (load.status, load.rows_loaded) == ("loaded", 1), load.error


def test_a_bad_byte_in_a_data_row_quarantines_that_line_and_names_it(tmp_path: Path) -> None:
    rows = [_row(i).encode() for i in range(1, 6)]
    rows[2] = rows[2].replace(b"/bikes/", b"/v\xe9los/")  # latin-1 in a UTF-8 export
    load, con = _load(
        tmp_path, "web", "mixed.csv", HEADER.encode() + b"\n" + b"\n".join(rows) + b"\n"
    )
    assert (load.status, load.rows_loaded, load.rows_rejected) == ("loaded", 4, 1)
    ((record_no, reason),) = con.execute("select record_no, reason from quarantine").fetchall()
    assert record_no == 3
    assert reason.startswith("malformed_record: not valid utf-8 text at byte")
    assert reason.endswith("of line 4")


def test_errors_name_the_format_and_never_quote_the_file(tmp_path: Path) -> None:
    secret = "root:x:0:0:root:/root:/bin/bash"
    load, _ = _load(tmp_path, "web", "passwd.csv", (secret + "\n").encode())
    assert load.status == "failed"
    assert "missing column(s) 'event_id' (field event_id)" in load.error
    assert "root" not in load.error


def test_a_percent_encoded_latin1_byte_is_decoded_not_fatal(tmp_path: Path) -> None:
    """%E9 (é in Latin-1) is no UTF-8 once decoded: the URL is still loaded and redacted, with
    U+FFFD in its place (it failed the whole file before)."""
    rows = [_row(i) for i in range(1, 4)]
    rows[1] = rows[1].replace("/bikes/x2", "/bikes/x2?q=v%E9lo&e=jane.doe%40corp.example")
    load, con = _load(tmp_path, "web", "latin1.csv", "\n".join([HEADER, *rows, ""]).encode())
    assert (load.status, load.rows_loaded, load.rows_rejected) == ("loaded", 3, 0), load.error
    ((url,),) = con.execute(
        "select attributes->>'url' from events where event_id = 'e2'"
    ).fetchall()
    assert url == "https://b.example/bikes/x2?q=v\ufffdlo&e=[email]"
