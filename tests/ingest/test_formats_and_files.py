"""Each format, gzipped or not, and whole files that cannot be read."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from journeymine.config import load_config
from journeymine.generate import GeneratedSample, generate, write_broken_files
from journeymine.ingest import ingest_source
from journeymine.warehouse import connect
from tests.conftest import TEST_KEY, ingest_all, write_config


def _counts(directory: Path, data: Path, overrides: dict | None = None) -> dict[str, tuple]:
    """Ingest ``data`` into a new warehouse in ``directory``; per source, its load outcome."""
    directory.mkdir()
    config = load_config(write_config(directory, data, overrides=overrides))
    with connect(config.warehouse_path) as con:
        ingest_all(con, config)
        return {
            r[0]: r[1:]
            for r in con.execute(
                "select source, status, rows_read, rows_loaded, rows_rejected, rows_duplicate "
                "from loads"
            ).fetchall()
        }


def test_gzip_and_parquet_load_the_same_as_plain_files(
    tmp_path: Path, sample: GeneratedSample
) -> None:
    plain = _counts(tmp_path / "plain", sample.out_dir)
    gz = generate(tmp_path / "gz", 3000, seed=11, gzip_output=True)
    assert gz.files["social"].name.endswith(".jsonl.gz")
    assert _counts(tmp_path / "gzw", gz.out_dir) == plain

    pq = generate(tmp_path / "pq", 3000, seed=11, web_format="parquet")
    parquet = _counts(
        tmp_path / "pqw", pq.out_dir, {"web": {"format": "parquet", "path": str(pq.files["web"])}}
    )
    assert parquet == plain
    assert plain["web"][0] == "loaded"


def test_gzip_is_detected_from_content_not_name(tmp_path: Path, sample: GeneratedSample) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample.out_dir, data)
    chat = data / "chat" / "messages.jsonl"
    chat.write_bytes(gzip.compress(chat.read_bytes()))  # gzipped, name unchanged
    counts = _counts(tmp_path / "w", data)
    assert counts["chat"][:2] == ("loaded", sample.records["chat"])


@pytest.fixture()
def broken(tmp_path: Path, sample: GeneratedSample) -> dict[str, Path]:
    return write_broken_files(tmp_path / "broken", sample.out_dir)


@pytest.mark.parametrize(
    ("kind", "source", "message"),
    [
        ("truncated_gzip", "social", "truncated or corrupt gzip"),
        ("missing_column", "web", "missing column(s) 'collector_tstamp' (field occurred_at)"),
    ],
)
def test_a_bad_file_fails_alone_with_a_clear_error(
    tmp_path: Path,
    sample: GeneratedSample,
    broken: dict[str, Path],
    kind: str,
    source: str,
    message: str,
) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample.out_dir, data)
    target = data / source / broken[kind].name
    shutil.copy(broken[kind], target)
    config = load_config(write_config(tmp_path, data))
    with connect(config.warehouse_path) as con:
        report = ingest_source(con, config, config.source(source), TEST_KEY)
        by_file = {Path(f.file).name: f for f in report.files}
        bad = by_file[target.name]
        assert bad.status == "failed"
        assert message in (bad.error or "")
        good = [f for name, f in by_file.items() if name != target.name]
        assert [f.status for f in good] == ["loaded"]
        failed_rows = con.execute(
            "select status, error, rows_read from loads where file like ?", [f"%{target.name}"]
        ).fetchall()
        assert failed_rows == [("failed", bad.error, None)]
        # nothing of the bad file was kept
        assert con.execute(
            "select count(*) from events e join loads l using (load_id) where l.status = 'failed'"
        ).fetchall() == [(0,)]
        # a failed file is tried again on the next run (and fails again, still alone)
        again = ingest_source(con, config, config.source(source), TEST_KEY)
        statuses = {Path(f.file).name: f.status for f in again.files}
        assert statuses[target.name] == "failed"
        assert {s for n, s in statuses.items() if n != target.name} == {"skipped"}


def test_invalid_csv_rows_are_quarantined_with_their_row_number(
    tmp_path: Path, sample: GeneratedSample
) -> None:
    lines = sample.files["web"].read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3] + ",surplus"  # data row 3
    lines[7] = "only,three,fields"  # data row 7
    data = tmp_path / "data"
    (data / "web").mkdir(parents=True)
    (data / "web" / "clickstream.csv").write_text("\n".join(lines[:12]) + "\n", encoding="utf-8")
    config = load_config(write_config(tmp_path, data))
    with connect(config.warehouse_path) as con:
        report = ingest_source(con, config, config.source("web"), TEST_KEY)
        (load,) = report.files
        assert load.rows_read == 11
        assert load.rows_read == load.rows_loaded + load.rows_rejected + load.rows_duplicate
        rows = con.execute(
            "select record_no, reason from quarantine where reason_code = 'malformed_record' "
            "order by record_no"
        ).fetchall()
        assert [r[0] for r in rows] == [3, 7]
        width = len(lines[0].split(","))
        assert f"expected {width} fields, found {width + 1}" in rows[0][1]
        # the rows around them keep their own numbers
        numbers = [r[0] for r in con.execute("select record_no from events").fetchall()]
        numbers += [r[0] for r in con.execute("select record_no from quarantine").fetchall()]
        assert sorted(numbers) == list(range(1, 12))


def test_a_declared_encoding_is_decoded(
    tmp_path: Path, sample: GeneratedSample, broken: dict[str, Path]
) -> None:
    data = tmp_path / "data"
    (data / "web").mkdir(parents=True)
    shutil.copy(broken["wrong_encoding"], data / "web" / "latin1.csv")
    config = load_config(write_config(tmp_path, data, overrides={"web": {"encoding": "latin-1"}}))
    with connect(config.warehouse_path) as con:
        (load,) = ingest_source(con, config, config.source("web"), TEST_KEY).files
        assert load.status == "loaded", load.error
        urls = [r[0] for r in con.execute("select attributes->>'url' from events").fetchall()]
        urls += [r[0] for r in con.execute("select raw_record from quarantine").fetchall()]
        assert any("/vélos" in u for u in urls)


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        (["utm_source", "text"], "'text' is a key journeymine writes itself"),
        (["utm_source", "utm_source"], "'utm_source' is listed twice"),
    ],
)
def test_an_attribute_that_would_make_the_attributes_ambiguous_fails_the_load(
    tmp_path: Path, sample: GeneratedSample, attributes: list[str], message: str
) -> None:
    config = load_config(
        write_config(tmp_path, sample.out_dir, overrides={"web": {"attributes": attributes}})
    )
    with connect(config.warehouse_path) as con:
        (load,) = ingest_source(con, config, config.source("web"), TEST_KEY).files
        assert load.status == "failed"
        assert message in (load.error or "")
        assert con.execute("select count(*) from events").fetchall() == [(0,)]


def test_the_attributes_leave_out_keys_with_no_value(
    tmp_path: Path, sample: GeneratedSample
) -> None:
    config = load_config(write_config(tmp_path, sample.out_dir))
    with connect(config.warehouse_path) as con:
        ingest_all(con, config)
        rows = con.execute(
            "select source, json_keys(attributes), attributes->>'referrer', "
            "attributes->>'utm_source', attributes->>'text' from events"
        ).fetchall()
    keys_by_source: dict[str, set[str]] = {}
    for source, keys, referrer, utm_source, text in rows:
        keys_by_source.setdefault(source, set()).update(keys)
        # a key is there exactly when it has a value
        assert ("referrer" in keys) == (referrer is not None)
        assert ("utm_source" in keys) == (utm_source is not None)
        assert ("text" in keys) == (text is not None)
    # the sample has web events with and without a referrer and a configured attribute
    assert {r[2] is None for r in rows if r[0] == "web"} == {True, False}
    assert {r[3] is None for r in rows if r[0] == "web"} == {True, False}
    assert "text" in keys_by_source["chat"]
    assert "url" not in keys_by_source["chat"]
