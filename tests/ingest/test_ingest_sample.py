"""The generated sample, ingested: every record accounted for, every planted broken record
quarantined with its reason."""

from __future__ import annotations

import duckdb

from journeymine.config import Config
from journeymine.generate import GeneratedSample
from journeymine.ingest import SourceReport

# what ingestion must call each kind the generator plants
EXPECTED_REASON = {
    "bad_timestamp": "bad_timestamp",
    "missing_timestamp": "missing_timestamp",
    "missing_identity": "missing_identity",
    "unknown_event": "unknown_event",
    "malformed_json": "malformed_record",
}

Loaded = tuple[Config, duckdb.DuckDBPyConnection, list[SourceReport]]


def test_accounting_identity_holds_for_every_file(loaded: Loaded) -> None:
    _, con, _ = loaded
    rows = con.execute(
        "select file, rows_read, rows_loaded, rows_rejected, rows_duplicate from loads"
    ).fetchall()
    assert len(rows) == 3
    for file, read, loaded_, rejected, duplicate in rows:
        assert read == loaded_ + rejected + duplicate, file
        assert read > 0


def test_rows_read_equals_records_written(loaded: Loaded, sample: GeneratedSample) -> None:
    _, con, _ = loaded
    read = dict(con.execute("select source, rows_read from loads").fetchall())
    assert read == sample.records


def test_tables_agree_with_loads(loaded: Loaded) -> None:
    _, con, _ = loaded
    per_source = con.execute(
        """
        select l.source, l.rows_loaded, l.rows_rejected,
            (select count(*) from events e where e.load_id = l.load_id),
            (select count(*) from quarantine q where q.load_id = l.load_id)
        from loads l
        """
    ).fetchall()
    for source, loaded_, rejected, events, quarantined in per_source:
        assert (events, quarantined) == (loaded_, rejected), source


def test_each_planted_broken_record_is_quarantined_with_its_reason(
    loaded: Loaded, sample: GeneratedSample
) -> None:
    _, con, _ = loaded
    got = {
        (source, reason): n
        for source, reason, n in con.execute(
            "select source, reason_code, count(*) from quarantine group by all"
        ).fetchall()
    }
    expected = {
        (channel, EXPECTED_REASON[kind]): n
        for channel, kinds in sample.broken.items()
        for kind, n in kinds.items()
        if kind != "duplicate"
    }
    assert got == expected


def test_duplicates_are_counted_not_loaded(loaded: Loaded, sample: GeneratedSample) -> None:
    _, con, _ = loaded
    dupes = dict(con.execute("select source, rows_duplicate from loads").fetchall())
    assert dupes == {ch: kinds.get("duplicate", 0) for ch, kinds in sample.broken.items()}
    assert con.execute(
        "select count(*) from "
        "(select source, event_id from events group by all having count(*) > 1)"
    ).fetchall() == [(0,)]


def test_reasons_name_the_column_the_value_and_what_is_allowed(loaded: Loaded) -> None:
    _, con, _ = loaded
    reasons = dict(
        con.execute(
            "select reason_code, any_value(reason) from quarantine "
            "where source = 'web' group by all"
        ).fetchall()
    )
    assert "collector_tstamp" in reasons["bad_timestamp"]
    assert "ISO 8601" in reasons["bad_timestamp"]
    assert "collector_tstamp" in reasons["missing_timestamp"]
    assert "'video_play'" in reasons["unknown_event"]
    assert "matches no touchpoint rule of source web" in reasons["unknown_event"]
    assert "domain_userid" in reasons["missing_identity"]


def test_quarantine_keeps_line_numbers_of_json_lines(
    loaded: Loaded, sample: GeneratedSample
) -> None:
    _, con, _ = loaded
    lines = sample.files["social"].read_text(encoding="utf-8").splitlines()
    rows = con.execute(
        "select record_no, raw_record from quarantine where reason_code = 'malformed_record' "
        "and source = 'social'"
    ).fetchall()
    assert rows
    for record_no, raw in rows:
        assert lines[record_no - 1] == raw  # these lines carry no PII to redact


def test_events_cover_all_channels_with_utc_times_and_touchpoints(loaded: Loaded) -> None:
    _, con, _ = loaded
    channels = dict(
        con.execute("select channel, count(touchpoint) from events group by channel").fetchall()
    )
    assert set(channels) == {"web", "social", "chat"}
    assert all(n > 0 for n in channels.values())
    assert con.execute("select count(*) from events where customer_id is null").fetchall() == [(0,)]


def test_offsets_are_converted_to_utc(loaded: Loaded, sample: GeneratedSample) -> None:
    """The web export writes local times with offsets; events hold the original UTC instant."""
    _, con, _ = loaded
    truth = sample.truth
    web = truth[truth["channel"] == "web"].head(200)
    ids = ["web-" + str(u).zfill(9) for u in web["uid"]]
    got = dict(
        con.execute(
            "select event_id, occurred_at from events where event_id in (select unnest(?))", [ids]
        ).fetchall()
    )
    for event_id, expected in zip(ids, web["occurred_at"], strict=True):
        assert got[event_id] == expected.to_pydatetime()
