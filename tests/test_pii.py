"""PII never reaches the warehouse raw; keyed hashing is HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import duckdb
import pytest

from journeymine.config import Config
from journeymine.errors import ConfigError
from journeymine.generate import GeneratedSample
from journeymine.ingest import SourceReport
from journeymine.pii import HmacKey, load_key
from journeymine.warehouse import connect


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
    assert networks and all(n.endswith(".0") for n in networks)
