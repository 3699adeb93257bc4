"""Never load a file twice; a new file adds only its rows."""

from __future__ import annotations

import shutil
from pathlib import Path

from journeymine.config import load_config
from journeymine.generate import GeneratedSample
from journeymine.identity import stitch
from journeymine.ingest import ingest_source
from journeymine.warehouse import connect
from tests.conftest import TEST_KEY, ingest_all, write_config

SNAPSHOT = """
select
    (select count(*) from events),
    (select count(*) from quarantine),
    (select count(*) from loads where status = 'loaded'),
    (select sum(hash(event_id, customer_id, occurred_at, touchpoint)) from events)
"""


def test_second_run_loads_nothing_and_changes_no_data(
    tmp_path: Path, sample: GeneratedSample
) -> None:
    config = load_config(write_config(tmp_path, sample.out_dir))
    with connect(config.warehouse_path) as con:
        ingest_all(con, config)
        stitch(con)
        before = con.execute(SNAPSHOT).fetchall()
        reports = ingest_all(con, config)
        report = stitch(con)
        assert {f.status for r in reports for f in r.files} == {"skipped"}
        assert report.events_updated == 0
        assert con.execute(SNAPSHOT).fetchall() == before


def test_same_content_under_another_name_is_skipped(
    tmp_path: Path, sample: GeneratedSample
) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample.out_dir, data)
    config = load_config(write_config(tmp_path, data))
    with connect(config.warehouse_path) as con:
        ingest_all(con, config)
        shutil.copy(data / "chat" / "messages.jsonl", data / "chat" / "messages-copy.jsonl")
        (chat,) = [r for r in ingest_all(con, config) if r.source == "chat"]
        assert sorted(f.status for f in chat.files) == ["skipped", "skipped"]


def test_a_new_file_adds_only_its_new_rows(tmp_path: Path, sample: GeneratedSample) -> None:
    """An export re-delivered with more rows: the rows seen before count as duplicates."""
    data = tmp_path / "data"
    (data / "web").mkdir(parents=True)
    lines = sample.files["web"].read_text(encoding="utf-8").splitlines()
    (data / "web" / "day1.csv").write_text("\n".join(lines[:401]) + "\n", encoding="utf-8")
    config = load_config(write_config(tmp_path, data))
    with connect(config.warehouse_path) as con:
        (first, *_) = ingest_all(con, config)
        events_1 = con.execute("select count(*) from events").fetchall()[0][0]
        (data / "web" / "day2.csv").write_text(
            "\n".join([lines[0], *lines[1:601]]) + "\n", encoding="utf-8"
        )
        (second, *_) = ingest_all(con, config)
        day1, day2 = second.files
        assert day1.status == "skipped" and day2.status == "loaded"
        assert day2.rows_read == 600
        # rows 1-400 were loaded or rejected yesterday: the accepted ones are duplicates now
        assert day2.rows_duplicate >= first.files[0].rows_loaded
        events_2 = con.execute("select count(*) from events").fetchall()[0][0]
        assert events_2 - events_1 == day2.rows_loaded


def test_a_source_without_event_ids_deduplicates_by_payload_hash(tmp_path: Path) -> None:
    data = tmp_path / "data" / "web"
    data.mkdir(parents=True)
    header = "collector_tstamp,event_name,page_url,domain_userid"
    row = "2026-09-01T10:00:00Z,page_view,https://b.example/,ckA"
    other = "2026-09-01T10:05:00Z,page_view,https://b.example/bikes,ckA"
    (data / "day1.csv").write_text(f"{header}\n{row}\n{row}\n{other}\n", encoding="utf-8")
    fields = {
        "occurred_at": "collector_tstamp",
        "event_name": "event_name",
        "url": "page_url",
        "cookie_id": "domain_userid",
    }
    config = load_config(
        write_config(
            tmp_path,
            tmp_path / "data",
            overrides={"web": {"fields": fields, "attributes": [], "click_id_url_param": None}},
        )
    )
    with connect(config.warehouse_path) as con:
        (day1,) = ingest_source(con, config, config.source("web"), TEST_KEY).files
        assert (day1.rows_read, day1.rows_loaded, day1.rows_duplicate) == (3, 2, 1)
        # the same event re-delivered in another file is a duplicate too
        (data / "day2.csv").write_text(f"{header}\n{other}\n", encoding="utf-8")
        day2 = ingest_source(con, config, config.source("web"), TEST_KEY).files[1]
        assert (day2.rows_read, day2.rows_loaded, day2.rows_duplicate) == (1, 0, 1)
        ids = [r[0] for r in con.execute("select event_id from events").fetchall()]
        assert len(ids) == 2 and all(i.startswith("record:") for i in ids)
