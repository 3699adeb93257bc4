"""A big file is loaded in chunks; the outcome must not depend on where the chunks fall."""

from __future__ import annotations

import shutil
from pathlib import Path

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


def _outcome(directory: Path, data: Path) -> dict[str, list[tuple]]:
    directory.mkdir()
    config = load_config(write_config(directory, data))
    with connect(config.warehouse_path) as con:
        for source in config.sources:
            ingest_source(con, config, source, TEST_KEY)
        return {name: con.execute(query).fetchall() for name, query in OUTCOME.items()}


def test_chunked_load_equals_a_single_chunk(
    tmp_path: Path, sample: GeneratedSample, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample.out_dir, data)
    web = data / "web" / "clickstream.csv"
    lines = web.read_text(encoding="utf-8").splitlines()
    lines.insert(1500, lines[1400])  # a duplicate far from its original
    for row in (40, 900, 901, 2500):  # malformed rows spread over many chunks
        lines[row] = f"only,three,fields{row}"  # distinct: an identical record is a duplicate
    web.write_text("\n".join(lines) + "\n", encoding="utf-8")

    whole = _outcome(tmp_path / "whole", data)
    monkeypatch.setattr(readers, "BATCH_BYTES", 16 << 10)  # about 60 rows a batch
    monkeypatch.setattr(load, "CHUNK_ROWS", 300)
    chunked = _outcome(tmp_path / "chunked", data)

    assert chunked == whole
    malformed = [r[1] for r in whole["quarantine"] if r[2] == "malformed_record" and r[0] == "web"]
    assert malformed == [40, 900, 901, 2500]
    web_load = next(r for r in whole["loads"] if r[0] == "web")
    assert web_load[1] == web_load[2] + web_load[3] + web_load[4]
    assert web_load[4] == sample.broken["web"]["duplicate"] + 1
