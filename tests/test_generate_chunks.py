"""A big log is generated in chunks of customers: one part file per source and chunk, every
identifier unique over all parts, the ground truth counted over all of them, and it loads.

The chunk size is tiny here (``chunk_events``) so that a small log has three parts.
"""

from __future__ import annotations

import csv
import gzip
import itertools
import json
from pathlib import Path

import pandas as pd
import pytest

from journeymine.config import load_config
from journeymine.generate import (
    SAMPLE_DATED,
    GeneratedSample,
    IdOffsets,
    _chunk_sizes,
    dated_truth,
    generate,
    simulate,
)
from journeymine.warehouse import connect
from tests.conftest import ingest_all, write_config

EVENTS, CHUNK, SEED = 1500, 500, 5


@pytest.fixture(scope="module")
def chunked(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSample:
    out = tmp_path_factory.mktemp("chunked") / "data"
    return generate(out, EVENTS, seed=SEED, chunk_events=CHUNK, dated=SAMPLE_DATED)


def _open(path: Path) -> list[str]:
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return raw.decode("utf-8").splitlines()


def _identifiers(path: Path) -> set[str]:
    """Every identifier a part's good records carry, each prefixed by what it is."""
    out: set[str] = set()
    if path.parent.name == "web":
        for row in csv.DictReader(_open(path)):
            url = row["page_url"]
            click = url.split("fbclid=")[1] if "fbclid=" in url else ""
            for key, value in (
                ("event", row["event_id"].split("-")[1]), ("cookie", row["domain_userid"]),
                ("session", row["domain_sessionid"]), ("user", row["user_id"]),
                ("email", row["user_email"]), ("click", click),
            ):  # fmt: skip
                if value:
                    out.add(f"{key}:{value}")
        return out
    for line in _open(path):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a planted malformed line
        if path.parent.name == "social":
            values = {
                "social": record["id"].split("-")[1],
                "handle": record["user"]["handle"],
                "click": record.get("click_id"),
            }
        else:
            values = {
                "message": record["message_id"].split("-")[1],
                "conversation": record["conversation_id"],
                "email": record["customer"]["email"],
                "phone": record["customer"]["phone"],
                "cookie": (record.get("visitor") or {}).get("cookie_id"),
            }
        out |= {f"{key}:{value}" for key, value in values.items() if value}
    return out


def test_a_log_above_the_chunk_size_is_written_in_parts(chunked: GeneratedSample) -> None:
    assert _chunk_sizes(EVENTS, CHUNK) == [500, 500, 500]
    assert _chunk_sizes(CHUNK, CHUNK) == [CHUNK]  # at or below a chunk: one, as always
    names = {ch: sorted(p.name for p in (chunked.out_dir / ch).iterdir()) for ch in chunked.files}
    assert names == {
        "web": [f"clickstream-part-000{n}.csv" for n in (1, 2, 3)],
        "social": [f"interactions-part-000{n}.jsonl" for n in (1, 2, 3)],
        "chat": [f"messages-part-000{n}.jsonl" for n in (1, 2, 3)],
    }
    assert len(chunked.deliveries) == 3
    assert chunked.truth.empty  # not kept for a chunked log: memory stays bounded by a chunk
    truth = json.loads((chunked.out_dir / "ground_truth.json").read_text(encoding="utf-8"))
    assert truth["parts"]["count"] == 3
    assert truth["touchpoint_events"] == chunked.touchpoint_events > EVENTS * 0.9


def test_every_identifier_is_unique_across_parts(chunked: GeneratedSample) -> None:
    parts: dict[str, set[str]] = {}
    for delivery in chunked.deliveries:
        part = delivery["web"].name.split("-part-")[1].split(".")[0]
        parts[part] = set().union(*(_identifiers(p) for p in delivery.values()))
    assert len(parts) == 3 and all(len(ids) > 100 for ids in parts.values())
    for (a, ids_a), (b, ids_b) in itertools.combinations(parts.items(), 2):
        assert not ids_a & ids_b, f"parts {a} and {b} share {sorted(ids_a & ids_b)[:5]}"


def test_the_dated_stories_are_measured_over_all_parts(chunked: GeneratedSample) -> None:
    """The same as measured on all the chunks' journeys at once."""
    evs, offsets = [], IdOffsets()
    for number, size in enumerate(_chunk_sizes(EVENTS, CHUNK), start=1):
        ev = simulate(size, seed=(SEED, number, 0), dated=SAMPLE_DATED, offsets=offsets)
        evs.append(ev)
        offsets = IdOffsets(
            customer=int(ev["customer"].max()) + 1,
            cookie=int(ev["cookie_no"].max()) + 1,
            journey=int(ev["journey"].max()) + 1,
        )
    truth = json.loads((chunked.out_dir / "ground_truth.json").read_text(encoding="utf-8"))
    whole = pd.concat(evs, ignore_index=True)
    assert truth["dated_stories"] == json.loads(json.dumps(dated_truth(whole, SAMPLE_DATED)))
    assert truth["journeys"] == whole["journey"].nunique()
    assert truth["customers"] == whole["customer"].nunique()


def test_a_chunked_log_loads_with_the_sample_configuration(
    chunked: GeneratedSample, tmp_path: Path
) -> None:
    truth = json.loads((chunked.out_dir / "ground_truth.json").read_text(encoding="utf-8"))
    config = load_config(write_config(tmp_path, chunked.out_dir))
    with connect(config.warehouse_path) as con:
        reports = ingest_all(con, config)
    for report in reports:
        broken = truth["broken_records"][report.source]
        assert report.count("loaded") == 3, report
        assert report.total("rows_read") == truth["records"][report.source]
        assert report.total("rows_duplicate") == broken.get("duplicate", 0)
        assert report.total("rows_rejected") == sum(broken.values()) - broken.get("duplicate", 0)
