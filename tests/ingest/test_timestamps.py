"""Time read right or rejected: offsets, Z, zone names and abbreviations to UTC; impossible
offsets, unknown zones and naive times in a daylight-saving gap quarantined, naming the value."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from journeymine.config import load_config
from journeymine.ingest import ingest_source
from journeymine.warehouse import connect
from tests.conftest import TEST_KEY, write_config
from tests.test_identity import _web

# (timestamp as exported, source timezone, UTC it means, or None: quarantined)
CASES = [
    ("2026-09-01T10:00:00Z", "UTC", datetime(2026, 9, 1, 10, 0)),
    ("2026-09-01T10:00:00+02:00", "UTC", datetime(2026, 9, 1, 8, 0)),
    ("2026-09-01T10:00:00+0530", "UTC", datetime(2026, 9, 1, 4, 30)),
    ("2026-09-01T10:00:00 Europe/Paris", "UTC", datetime(2026, 9, 1, 8, 0)),
    ("2026-09-01 10:00:00 America/New_York", "UTC", datetime(2026, 9, 1, 14, 0)),
    ("2026-09-01T10:00:00 EST", "UTC", datetime(2026, 9, 1, 15, 0)),  # EST is -05:00, always
    ("2026-09-01T10:00:00 PDT", "UTC", datetime(2026, 9, 1, 17, 0)),
    ("2026-09-01T10:00:00 CEST", "UTC", datetime(2026, 9, 1, 8, 0)),
    ("2026-09-01T10:00:00", "Europe/Paris", datetime(2026, 9, 1, 8, 0)),  # naive: the source's
    ("2026-03-29T03:30:00", "Europe/Paris", datetime(2026, 3, 29, 1, 30)),  # just after the gap
    ("2026-09-01T10:00:00+25:00", "UTC", None),
    ("2026-09-01T10:00:00+05:75", "UTC", None),
    ("2026-09-01T10:00:00 IST", "UTC", None),  # India, Ireland or Israel: not guessed
    ("2026-09-01T10:00:00 Mars/Olympus", "UTC", None),
    ("2026-03-29T02:30:00", "Europe/Paris", None),  # the clocks skip 02:00-03:00 that night
]

REASONS = {
    "+25:00": "the offset +25:00 is impossible (offsets run from -12:00 to +14:00)",
    "+05:75": "the offset +05:75 is impossible",
    "IST": "the zone IST is not one journeymine reads (allowed: Z, offsets, IANA names",
    "Mars/Olympus": "the zone Mars/Olympus is not a known IANA time zone",
    "2026-03-29T02:30:00": "that time does not exist in Europe/Paris (the clocks skip it",
}


@pytest.mark.parametrize("timezone", ["UTC", "Europe/Paris"])
def test_timestamps_are_read_to_utc_or_quarantined_with_why(tmp_path: Path, timezone: str) -> None:
    cases = [c for c in CASES if c[1] == timezone]
    rows = [
        f"e{i},{text},page_view,https://b.example/,,ck{i},,,s{i},ua,desktop,10.0.0.1,,,"
        for i, (text, _, _) in enumerate(cases)
    ]
    _web(tmp_path / "data" / "web" / "t.csv", rows)
    config_path = write_config(
        tmp_path, tmp_path / "data", overrides={"web": {"timezone": timezone}}
    )
    config = load_config(config_path)
    with connect(config.warehouse_path) as con:
        ingest_source(con, config, config.source("web"), TEST_KEY)
        loaded = dict(con.execute("select event_id, occurred_at from events").fetchall())
        rejected = dict(
            con.execute(
                "select record_no, reason from quarantine where reason_code = 'bad_timestamp'"
            ).fetchall()
        )
    for i, (text, _, expected) in enumerate(cases):
        if expected is not None:
            assert loaded.get(f"e{i}") == expected, text
        else:
            assert f"e{i}" not in loaded, text
            reason = rejected[i + 1]
            why = next(v for k, v in REASONS.items() if k in text)
            assert why in reason, (text, reason)
