"""A big file is loaded in chunks; the outcome must not depend on where the chunks fall."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from journeymine.config import load_config
from journeymine.generate import GeneratedSample
from journeymine.ingest import ingest_source, load, readers
from journeymine.warehouse import connect
from tests.conftest import TEST_KEY, write_config

OUTCOME = {
    "events": "select source, event_id, occurred_at, touchpoint, identity_key, record_no "
    "from events order by all",
    "quarantine": "select source, record_no, reason_code, raw_record from quarantine order by all",
    "loads": "select source, rows_read, rows_loaded, rows_rejected, rows_duplicate from loads "
    "order by all",
}


def _outcome(directory: Path, data: Path, overrides: dict | None = None) -> dict[str, list[tuple]]:
    directory.mkdir()
    config = load_config(write_config(directory, data, overrides=overrides))
    with connect(config.warehouse_path) as con:
        for source in config.sources:
            ingest_source(con, config, source, TEST_KEY)
        return {name: con.execute(query).fetchall() for name, query in OUTCOME.items()}


# read line by line (the reader numbers the records), or by Arrow's parser on the whole file
# (the loader numbers them around the rejected rows the reader found so far)
@pytest.mark.parametrize("multiline_values", [False, True])
def test_chunked_load_equals_a_single_chunk(
    tmp_path: Path, sample: GeneratedSample, monkeypatch: pytest.MonkeyPatch, multiline_values: bool
) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample.out_dir, data)
    web = data / "web" / "clickstream.csv"
    lines = web.read_text(encoding="utf-8").splitlines()
    lines.insert(1500, lines[1400])  # a duplicate far from its original
    for row in (40, 900, 901, 2500):  # malformed rows spread over many chunks
        lines[row] = f"only,three,fields{row}"  # distinct: an identical record is a duplicate
    web.write_text("\n".join(lines) + "\n", encoding="utf-8")

    overrides = {"web": {"multiline_values": multiline_values}}
    whole = _outcome(tmp_path / "whole", data, overrides)
    monkeypatch.setattr(readers, "BATCH_BYTES", 16 << 10)  # about 60 rows a batch
    monkeypatch.setattr(load, "CHUNK_ROWS", 300)
    chunked = _outcome(tmp_path / "chunked", data, overrides)

    assert chunked == whole
    malformed = [r[1] for r in whole["quarantine"] if r[2] == "malformed_record" and r[0] == "web"]
    assert malformed == [40, 900, 901, 2500]
    web_load = next(r for r in whole["loads"] if r[0] == "web")
    assert web_load[1] == web_load[2] + web_load[3] + web_load[4]
    assert web_load[4] == sample.broken["web"]["duplicate"] + 1


def _numbers(
    n: int, fail_at: int | None = None, closed: list[bool] | None = None
) -> Iterator[pa.RecordBatch]:
    try:
        for i in range(n):
            if i == fail_at:
                raise ValueError(f"cannot read batch {i}")
            yield pa.RecordBatch.from_pydict({"i": [i]})
    finally:
        if closed is not None:
            closed.append(True)


def test_batches_read_ahead_come_in_order_with_the_readers_error_where_it_happened() -> None:
    got = [b.column(0)[0].as_py() for b in readers.prefetched(_numbers(50), depth=2)]
    assert got == list(range(50))
    seen: list[int] = []
    with pytest.raises(ValueError, match="cannot read batch 7"):
        for batch in readers.prefetched(_numbers(50, fail_at=7)):
            seen.append(batch.column(0)[0].as_py())
    assert seen == list(range(7))


def test_closing_the_batches_read_ahead_stops_the_reader_and_closes_the_file() -> None:
    closed: list[bool] = []
    before = threading.active_count()
    batches = readers.prefetched(_numbers(1000, closed=closed), depth=2)
    assert next(batches).column(0)[0].as_py() == 0
    batches.close()  # as a failed load does
    assert closed == [True]
    assert threading.active_count() == before
