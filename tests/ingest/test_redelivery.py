"""Deliveries are idempotent for rejected records too, and every count of a load is measured
on its own set, so the accounting identity is a check that can fail."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from journeymine import sql
from journeymine.config import load_config
from journeymine.generate import GeneratedSample
from journeymine.ingest import ingest_source
from journeymine.warehouse import connect
from tests.conftest import TEST_KEY, write_config


def _counts(con) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return con.execute(
        "select (select count(*) from events), (select count(*) from quarantine)"
    ).fetchall()[0]


def test_a_gzipped_copy_of_a_loaded_file_adds_nothing(
    tmp_path: Path, sample: GeneratedSample
) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample.out_dir, data)
    config = load_config(write_config(tmp_path, data))
    with connect(config.warehouse_path) as con:
        (first,) = ingest_source(con, config, config.source("web"), TEST_KEY).files
        before = _counts(con)
        assert first.rows_rejected > 20
        copy = data / "web" / "clickstream-again.csv.gz"
        copy.write_bytes(gzip.compress((data / "web" / "clickstream.csv").read_bytes()))
        files = ingest_source(con, config, config.source("web"), TEST_KEY).files
        (again,) = [f for f in files if f.file.endswith(".gz")]
        assert again.status == "loaded"
        assert (again.rows_loaded, again.rows_rejected) == (0, 0)
        assert again.rows_duplicate == again.rows_read == first.rows_read
        assert _counts(con) == before  # rejects are not quarantined twice


def test_an_overlapping_export_quarantines_only_its_new_rejects(
    tmp_path: Path, sample: GeneratedSample
) -> None:
    data = tmp_path / "data"
    (data / "web").mkdir(parents=True)
    lines = (sample.out_dir / "web" / "clickstream.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    half = len(rows) // 2
    (data / "web" / "a.csv").write_text("\n".join([header, *rows[: half + 300]]) + "\n")
    config = load_config(write_config(tmp_path, data))
    with connect(config.warehouse_path) as con:
        ingest_source(con, config, config.source("web"), TEST_KEY)
        (data / "web" / "b.csv").write_text("\n".join([header, *rows[half:]]) + "\n")
        ingest_source(con, config, config.source("web"), TEST_KEY)
        total = con.execute("select sum(rows_rejected) from loads").fetchall()[0][0]
        (data / "web" / "all.csv").write_text("\n".join(lines) + "\n")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    config = load_config(write_config(fresh, fresh / "data"))
    (fresh / "data" / "web").mkdir(parents=True)
    shutil.copy(data / "web" / "all.csv", fresh / "data" / "web" / "all.csv")
    with connect(config.warehouse_path) as con:
        (whole,) = ingest_source(con, config, config.source("web"), TEST_KEY).files
    assert total == whole.rows_rejected  # the 300 overlapping rows' rejects counted once


def test_id_less_records_are_the_same_whatever_their_key_order_or_spacing(tmp_path: Path) -> None:
    record = {"created_at": "2026-09-01T10:00:00Z", "type": "ad_click", "user": {"handle": "@a"}}
    same = json.dumps(dict(reversed(list(record.items()))), indent=None, separators=(" ,", " :  "))
    folder = tmp_path / "data" / "social"
    folder.mkdir(parents=True)
    (folder / "a.jsonl").write_text(json.dumps(record) + "\n" + same + "\n")
    fields = {"occurred_at": "created_at", "event_name": "type", "interaction": "type",
              "handle": "user.handle"}  # fmt: skip
    config = load_config(
        write_config(
            tmp_path, tmp_path / "data", overrides={"social": {"fields": fields, "attributes": []}}
        )
    )
    with connect(config.warehouse_path) as con:
        (load,) = ingest_source(con, config, config.source("social"), TEST_KEY).files
    assert (load.rows_read, load.rows_loaded, load.rows_duplicate) == (2, 1, 1), load.error


def test_a_wrong_count_fails_the_load_instead_of_passing_the_identity(
    tmp_path: Path, sample: GeneratedSample, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If one accepted row went missing between validation and the warehouse, the counts
    would no longer add up: the load must fail, not report a corrected duplicate count."""
    real = sql.load

    def lose_one(name: str) -> str:
        text = real(name)
        if name != "ingest/load_events":
            return text
        assert text.rstrip().endswith("select * from final")
        return text.rstrip() + " where record_no <> 7"

    monkeypatch.setattr(sql, "load", lose_one)
    data = tmp_path / "data"
    shutil.copytree(sample.out_dir, data)
    config = load_config(write_config(tmp_path, data))
    with connect(config.warehouse_path) as con:
        (web,) = ingest_source(con, config, config.source("web"), TEST_KEY).files
        assert web.status == "failed"
        assert "records do not add up" in (web.error or "")
        assert _counts(con) == (0, 0)  # nothing of the file was kept


def test_an_untouched_loaded_file_is_not_read_again_and_a_changed_one_is(
    tmp_path: Path, sample: GeneratedSample, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A night skips the files it loaded before by path, size and modification time without
    hashing them (a year of deliveries would be read every night); a file rewritten in place
    is hashed: loaded when its content is new, skipped when only its time changed."""
    import os

    from journeymine.ingest import load

    data = tmp_path / "data"
    shutil.copytree(sample.out_dir, data)
    config = load_config(write_config(tmp_path, data))
    hashed: list[str] = []
    real = load.sha256_of

    def counted(path: Path) -> str:
        hashed.append(path.name)
        return real(path)

    monkeypatch.setattr(load, "sha256_of", counted)
    web = data / "web" / "clickstream.csv"
    with connect(config.warehouse_path) as con:
        (first,) = ingest_source(con, config, config.source("web"), TEST_KEY).files
        assert first.status == "loaded" and hashed == ["clickstream.csv"]
        (again,) = ingest_source(con, config, config.source("web"), TEST_KEY).files
        assert again.status == "skipped" and again.sha256 == first.sha256
        assert hashed == ["clickstream.csv"]  # not read again

        stat = web.stat()
        os.utime(web, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched only
        (touched,) = ingest_source(con, config, config.source("web"), TEST_KEY).files
        assert touched.status == "skipped" and hashed.count("clickstream.csv") == 2

        lines = web.read_text(encoding="utf-8").splitlines(keepends=True)
        web.write_text("".join(lines[:-1]), encoding="utf-8")  # rewritten: one row fewer
        os.utime(web, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2 * 10**9))
        (changed,) = ingest_source(con, config, config.source("web"), TEST_KEY).files
        assert changed.status == "loaded" and changed.sha256 != first.sha256
        assert hashed.count("clickstream.csv") == 3
        assert changed.rows_duplicate == changed.rows_read  # its rows were all loaded before
