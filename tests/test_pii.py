"""PII never reaches the warehouse raw; keyed hashing is HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import random
import re
from pathlib import Path
from urllib.parse import quote, quote_plus

import duckdb
import pytest

from journeymine.config import Config, load_config
from journeymine.errors import ConfigError
from journeymine.flags import raise_flags
from journeymine.generate import GeneratedSample
from journeymine.identity import stitch
from journeymine.ingest import SourceReport
from journeymine.mapping import load_map
from journeymine.mine import mine
from journeymine.pii import HmacKey, load_key
from journeymine.report import export_flags_csv
from journeymine.warehouse import connect, publish, published_path, transaction
from tests.conftest import ingest_all, write_config


@pytest.mark.parametrize("secret", ["short-but-valid-secret", "x" * 100])
def test_sql_hmac_equals_python_hmac(secret: str) -> None:
    key = HmacKey.from_secret(secret)
    with connect(":memory:") as con:
        for value in ["jane@example.com", "ck0001", "ünïcødé"]:
            got = con.execute(
                "select jm_hmac(?, ?, ?)", [value, key.ipad_hex, key.opad_hex]
            ).fetchall()[0][0]
            assert got == hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def test_missing_secret_is_an_error_unless_development_is_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JM_TEST_SECRET", raising=False)
    with pytest.raises(ConfigError, match="JM_TEST_SECRET is not set"):
        load_key("JM_TEST_SECRET", allow_development_secret=False)
    assert load_key("JM_TEST_SECRET", allow_development_secret=True)
    monkeypatch.setenv("JM_TEST_SECRET", "tooshort")
    with pytest.raises(ConfigError, match="at least 16 characters"):
        load_key("JM_TEST_SECRET", allow_development_secret=True)


def _pii_values(sample: GeneratedSample) -> set[str]:
    values: set[str] = set()
    web = sample.files["web"].read_text(encoding="utf-8").splitlines()
    header = web[0].split(",")
    for line in web[1:]:
        cells = dict(zip(header, line.split(","), strict=False))
        values |= {cells.get("user_email", ""), cells.get("user_ipaddress", "")}
    for channel in ("social", "chat"):
        for line in sample.files[channel].read_text(encoding="utf-8").splitlines():
            try:
                doc = json.loads(line)
            except json.JSONDecodeError:
                continue
            values |= {(doc.get("user") or {}).get("handle") or ""}
            customer = doc.get("customer") or {}
            values |= {customer.get("email") or "", customer.get("phone") or ""}
            values |= set(re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", doc.get("text") or ""))
    values.discard("")
    return values


def test_no_email_ip_phone_or_handle_appears_anywhere_in_the_warehouse(
    loaded: tuple[Config, duckdb.DuckDBPyConnection, list[SourceReport]], sample: GeneratedSample
) -> None:
    _, con, _ = loaded
    pii = _pii_values(sample)
    assert len(pii) > 100
    columns = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type in ('VARCHAR', 'JSON')"
    ).fetchall()
    con.execute("create or replace temp table jm_pii as select unnest(?) as v", [sorted(pii)])
    for schema, table, column in columns:
        leaked = con.execute(
            f'select p.v from "{schema}"."{table}" t, jm_pii p '
            f'where contains(cast(t."{column}" as varchar), p.v) limit 3'
        ).fetchall()
        assert leaked == [], f"{schema}.{table}.{column} holds raw PII"


def test_free_text_is_redacted_and_ips_truncated(
    loaded: tuple[Config, duckdb.DuckDBPyConnection, list[SourceReport]],
) -> None:
    _, con, _ = loaded
    texts = [
        r[0]
        for r in con.execute(
            "select attributes->>'text' from events "
            "where source = 'chat' and attributes->>'text' like 'Hi, is the%'"
        ).fetchall()
    ]
    assert texts and all(t.endswith("My email is [email]") for t in texts)
    networks = {
        r[0]
        for r in con.execute(
            "select distinct attributes->>'ip_network' from events where source = 'web'"
        ).fetchall()
    }
    assert networks and all(re.fullmatch(r"198\.51\.[0-9]+\.0/24", n) for n in networks)


@pytest.mark.parametrize(
    ("ip", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("10.1.2.255", "10.1.2.0/24"),
        ("2001:db8:85a3::8a2e:370:7334", "2001:db8:85a3::/48"),
        ("2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:db8:85a3::/48"),
        ("2001::7334", "2001::/48"),
        ("fe80::1%eth0", "fe80::/48"),
        ("::ffff:192.0.2.128", "192.0.2.0/24"),
        ("::1", "::/48"),
        ("999.1.1.1", None),
        ("not an ip jane@corp.example", None),
    ],
)
def test_ips_are_truncated_exactly(ip: str, network: str | None) -> None:
    """IPv4 to /24 and IPv6 to /48, in the CIDR form Python's ipaddress writes."""
    with connect(":memory:") as con:
        assert con.execute("select jm_truncate_ip(?)", [ip]).fetchall() == [(network,)]
    if network is not None:
        assert network == str(ipaddress.ip_network(network))  # canonical


def test_one_phone_in_any_format_is_one_identifier() -> None:
    same = [
        "+44 20 7946 0958",
        "020 7946 0958",
        "0044 20 7946 0958",
        "+44 (0)20 7946 0958",
        "(020) 7946-0958",
        "442079460958",
    ]
    with connect(":memory:") as con:
        got = {con.execute("select jm_phone_id(?, 'GB')", [p]).fetchall()[0][0] for p in same}
        assert got == {"+442079460958"}
        assert con.execute("select jm_phone_id('(555) 123-4567', 'US')").fetchall() == [
            ("+15551234567",)
        ]
        # without a region a national number keeps its digits; an international one is E.164
        assert con.execute("select jm_phone_id('020 7946 0958', '')").fetchall() == [
            ("02079460958",)
        ]
        assert con.execute("select jm_phone_id('+44 20 7946 0958', '')").fetchall() == [
            ("+442079460958",)
        ]


# --------------------------------------------------------------------------- free text

HOSTILE_TEXTS = {
    "call (555) 123-4567 now": "call [phone] now",
    "or 555.123.4567": "or [phone]",
    "uk 07700 900123": "uk [phone]",
    "0044 20 7946 0958": "[phone]",
    "+44 (0)20 7946 0958.": "[phone].",
    "bare 5551234567 ok": "bare [phone] ok",
    "tel:+447700900123": "tel:[phone]",
    "?contact=jane.doe%2Btag%40corp.example": "?contact=[email]",
    "?p=%2B44%2020%207946%200958": "?p=[phone]",
    "x%252Bjane%2540corp.example": "[email]",
    "mail jane\\u0040corp.example": "mail [email]",
    "ip 2001::7334, 2001:db8:85a3::8a2e:370:7334, ::1": "ip [ip], [ip], [ip]",
    "hi @jane_doe!": "hi [handle]!",
    "q=caf%E9+jane%40corp.example": "q=caf\ufffd[email]",  # a Latin-1 byte: no UTF-8
}

# Found in the sample's URLs and texts, or common in URLs: none of them is PII.
BENIGN_TEXTS = [
    "2026-03-01T10:00:00+01:00",
    "2026-03-01 10:00:00",
    "/blog/2026/03/01/spring-rides",
    "?t=1767225600&ts=1767225600123",
    "order 20260301103000",
    "price 1299.00 EUR, 1,299.00",
    "/bikes/trek-520?size=56&color=red",
    "Chrome/120.0.6099.129 Safari/537.36",
    "std::vector at 10:00:00 or 12:30",
    "/p/123456789 sku 987654",
    "uuid 550e8400-e29b-41d4-a716-446655440000",
    "01/03/2026",
    "ISBN 978-3-16-148410-0",
    "/compare?ids=12,34,56",
]


def test_free_text_redaction_finds_hostile_formats_and_spares_benign_text() -> None:
    with connect(":memory:") as con:
        for text, expected in HOSTILE_TEXTS.items():
            assert con.execute("select jm_redact(?)", [text]).fetchall() == [(expected,)], text
        for text in BENIGN_TEXTS:
            assert con.execute("select jm_redact(?)", [text]).fetchall() == [(text,)], text


def test_one_search_finds_every_text_the_replacements_would_change() -> None:
    """jm_redact replaces only texts that jm_pii_shaped finds (one search for the five
    patterns): it must find exactly the texts that one of the replacements changes, or a
    text would keep its PII. Checked on the texts above, in context, and on random texts made
    of the characters the patterns look for."""
    rng = random.Random(7)
    alphabet = "0123456789" * 3 + "abcfxyzAZ_" + "@.:+-() /%" + "\\u"
    texts = [*HOSTILE_TEXTS, *BENIGN_TEXTS]
    texts += [f"{a} {t}{b}" for t in list(texts) for a, b in (("x", "y"), ("@", "."), ("", "9"))]
    texts += ["".join(rng.choices(alphabet, k=rng.randint(1, 24))) for _ in range(20000)]
    with connect(":memory:") as con:
        con.execute("create temp table t as select unnest(?) as s", [texts])
        found, changed, missed, differ = con.execute(
            "select count(*) filter (where jm_pii_shaped(s)), "
            "count(*) filter (where jm_redact_decoded(s) <> s), "
            "count(*) filter (where jm_pii_shaped(s) <> (jm_redact_decoded(s) <> s)), "
            "count(*) filter (where jm_redact(s) is distinct from case when jm_is_encoded(s) "
            "then jm_redact_decoded(jm_decode(jm_redact_decoded(s))) "
            "else jm_redact_decoded(s) end) "
            "from t"
        ).fetchall()[0]
    assert changed > 500 and found == changed, (found, changed)  # many phone-like runs
    assert missed == 0 and differ == 0


def test_the_sample_urls_and_texts_lose_nothing_but_pii(
    loaded: tuple[Config, duckdb.DuckDBPyConnection, list[SourceReport]],
) -> None:
    """No false positives on the sample: every placeholder in its URLs and texts stands for a
    value the generator wrote as PII (its texts hold emails, phones and handles on purpose)."""
    _, con, _ = loaded
    urls = con.execute(
        "select count(*), count(*) filter (where regexp_matches(attributes->>'url', "
        "'\\[(phone|ip|email|handle)\\]')) from events where source = 'web'"
    ).fetchall()[0]
    assert urls[0] > 1000 and urls[1] == 0
    texts = con.execute(
        "select attributes->>'text' from events where attributes->>'text' like '%[phone]%'"
    ).fetchall()
    # the generator writes phones in these two sentences only
    assert texts and all(
        t.endswith(("call me back on [phone]", "Reach me at [email] or [phone]")) for (t,) in texts
    )


# --------------------------------------------------------------------------- hostile exports

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
EMAILS = ["jane.doe+tag@corp.example", "jane.doe@corp.example", "Hostile.Person@Evil-Corp.example"]
PHONES = [
    "(555) 123-4567",
    "555.123.4567",
    "07700 900123",
    "0044 20 7946 0958",
    "+44 (0)20 7946 0958",
    "+44 20 7946 0958",
    "020 7946 0958",
    "5551234567",
    "447700900123",
    "442079460958",
]
IPS = ["203.0.113.77", "2001:db8:85a3::8a2e:370:7334", "8a2e:370:7334", "2001::7334", "192.0.2.128"]
IDS = [
    "hostile_handle",
    "ck-hostile-cookie-0001",
    "usr-hostile-0042",
    "sess-hostile-0099",
    "conv-hostile-0555",
    "fbclid-hostile-777",
    "gclid-hostile-888",
]


def _encodings(value: str) -> set[str]:
    """Every form in which ``value`` could leak."""
    forms = {
        value,
        value.lower(),
        quote(value, safe=""),
        quote(value, safe="").lower(),
        quote_plus(value),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1].replace("@", "\\u0040"),
        value.replace("@", "\\u0040").replace("+", "\\u002b"),
    }
    return forms


def _needles() -> set[str]:
    needles: set[str] = set()
    for value in EMAILS + IPS + IDS:
        needles |= _encodings(value)
    for phone in PHONES:
        needles |= _encodings(phone)
        digits = re.sub(r"[^0-9]", "", phone)
        needles |= {digits, digits.lstrip("0")}
    return {n.lower() for n in needles}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile exports through the whole pipeline, as the nightly flow runs it."""
    directory = tmp_path_factory.mktemp("hostile")
    config = load_config(
        write_config(
            directory,
            HOSTILE,
            overrides={
                "web": {"unmatched": "keep"},
                "social": {"unmatched": "keep"},
                "chat": {"phone_region": "GB"},
            },
        )
    )
    with connect(config.warehouse_path) as con:
        reports = ingest_all(con, config)
        stitch(con)
        with transaction(con):
            mine(con, config, load_map(config.map_path), export_dir=config.outputs_path)
            raise_flags(con, config.mining)
        export_flags_csv(con, config.outputs_path / "flags.csv")
    assert all(f.status == "loaded" for r in reports for f in r.files)
    publish(config.warehouse_path)
    return directory


def test_hostile_exports_leave_no_pii_in_either_warehouse_or_any_output(
    hostile_run: Path,
) -> None:
    needles = sorted(_needles())
    warehouse = hostile_run / "warehouse.duckdb"
    files = [warehouse, published_path(warehouse)]
    leaks: list[str] = []
    scanned = 0
    for path in files:
        with duckdb.connect(str(path), read_only=True) as con:
            counts = dict(
                con.execute("select reason_code, count(*) from quarantine group by 1").fetchall()
            )
            # every kind of hostile record was quarantined, not silently dropped
            assert {"bad_timestamp", "malformed_record", "unknown_event"} <= set(counts)
            assert con.execute("select count(*) from events").fetchall()[0][0] == 8
            con.execute("create temp table jm_needles as select unnest(?) as v", [needles])
            columns = con.execute(
                "select schema_name, table_name, column_name from duckdb_columns() "
                "where not internal and database_name <> 'temp' "
                "and (data_type like '%VARCHAR%' or data_type like '%JSON%')"
            ).fetchall()
            assert len(columns) > 30
            for schema, table, column in columns:
                scanned += 1
                hits = con.execute(
                    f'select distinct n.v, cast(t."{column}" as varchar) '
                    f'from "{schema}"."{table}" as t, jm_needles as n '
                    f'where contains(lower(cast(t."{column}" as varchar)), n.v) limit 3'
                ).fetchall()
                where = f"{path.name}: {schema}.{table}.{column}"
                leaks += [f"{where}: {v!r} in {s!r}" for v, s in hits]
    outputs = sorted(p for p in (hostile_run / "out").rglob("*") if p.is_file())
    assert {p.name for p in outputs} >= {"flags.csv"}
    assert any(p.suffix == ".bpmn" for p in outputs)
    for out in outputs:
        text = out.read_text(encoding="utf-8", errors="replace").lower()
        leaks += [f"{out.name}: {n!r}" for n in needles if n in text]
    assert scanned > 60
    assert leaks == []


def test_hostile_exports_keep_what_is_not_pii(hostile_run: Path) -> None:
    """Redaction keeps the rest: the stored forms of the hostile fields, one by one."""
    with duckdb.connect(str(hostile_run / "warehouse.duckdb"), read_only=True) as con:
        web = {
            r[0]: r[1:]
            for r in con.execute(
                "select event_id, event_name, session_id, attributes->>'url', "
                "attributes->>'referrer', attributes->>'user_agent', attributes->>'ip_network' "
                "from events where source = 'web' order by record_no"
            ).fetchall()
        }
        name, session, url, referrer, agent, network = web["web-h-1"]
        assert name == "page_view" and session.startswith("session:") and len(session) == 40
        assert url.startswith("https://shop.example/bikes/trek?contact=[email]&fbclid=click:")
        assert url.endswith("&p=[phone]")
        assert referrer == "https://ref.example/?u=[email]&phone=[phone]&gclid=[id]"
        assert (agent, network) == ("chrome/mobile", "2001:db8:85a3::/48")
        assert web["web-h-2"][0] == "signup [email] [phone]"
        assert web["web-h-2"][-1] == "2001::/48"
        hashed = [k for k in web if k.startswith("hmac:")]  # the event id that held an email
        assert len(hashed) == 1 and web[hashed[0]][-1] == "192.0.2.0/24"
        csat = dict(
            con.execute(
                "select event_id, attributes->>'csat' from events where source = 'chat'"
            ).fetchall()
        )
        assert csat["chat-h-3"] is None  # text is no score
        reason = con.execute(
            "select reason from quarantine where reason_code = 'unknown_event'"
        ).fetchall()[0][0]
        assert reason.startswith(
            "unknown_event: event_name 'escalate [email]' intent 'refund [phone]' matches no"
        )
        # the two formats of one phone number stitched the chat's customer as one
        phones = con.execute(
            "select count(distinct node) from jm_internal.customer_map where node like 'phone:%'"
        ).fetchall()[0][0]
        assert phones == 2  # +44 20 7946 0958 (three formats) and +44 7700 900123
