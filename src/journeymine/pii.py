"""Pseudonymisation: keyed hashing of identifiers and redaction of free text.

Identifiers (emails, phones, handles, cookie, user, session and click ids) are replaced by
HMAC-SHA256 with a secret read from the environment, so the same person gets the same key in
every run while the warehouse never holds the raw value. Free text, URLs, referrers, event
names, intents and quarantined records have emails, phone numbers, IP addresses and @handles
redacted, after percent-encoding and JSON escapes are decoded. The hashing and the redaction
run in SQL (macros ``jm_hmac``, ``jm_redact`` and friends in ``sql/warehouse/macros.sql``);
this module turns the secret into the HMAC pads that ``jm_hmac`` takes as bound parameters,
and provides the two per-value functions SQL has no library for, registered on every
connection as vectorised (Arrow) functions that work on the distinct values of a vector:

- ``jm_py_phone_e164(phone, region)``: a phone identifier in E.164 (``phonenumbers``), so that
  ``+44 20 7946 0958`` and ``020 7946 0958`` (region ``GB``) hash the same;
- ``jm_py_ip_network(ip)``: an IP address truncated to its network with ``ipaddress``:
  IPv4 ``/24``, IPv6 ``/48``, an IPv4-mapped IPv6 address as its IPv4 ``/24``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from duckdb.func import FunctionNullHandling, PythonUDFType

from journeymine.errors import ConfigError

DEVELOPMENT_SECRET = "journeymine-development-secret-do-not-use-in-production"
_BLOCK = 64  # SHA-256 block size in bytes

log = logging.getLogger("journeymine.pii")
_warned = False


@dataclass(frozen=True)
class HmacKey:
    """The HMAC-SHA256 inner and outer pads of a secret, as hex, for the ``jm_hmac`` macro."""

    ipad_hex: str
    opad_hex: str

    @classmethod
    def from_secret(cls, secret: str) -> HmacKey:
        key = secret.encode("utf-8")
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK, b"\0")
        return cls(
            ipad_hex=bytes(b ^ 0x36 for b in key).hex(),
            opad_hex=bytes(b ^ 0x5C for b in key).hex(),
        )


def load_key(env_var: str, *, allow_development_secret: bool) -> HmacKey:
    """The hashing key from environment variable ``env_var``.

    Without it, a run fails unless the configuration allows the documented development secret
    (as the sample configuration does), in which case it logs a warning once per process.
    """
    secret = os.environ.get(env_var, "")
    if secret:
        if len(secret) < 16:
            raise ConfigError(
                f"environment variable {env_var}: the PII secret must be at least 16 characters"
            )
        return HmacKey.from_secret(secret)
    if not allow_development_secret:
        raise ConfigError(
            f"environment variable {env_var} is not set: it holds the secret that pseudonymises "
            "emails, phones, handles and ids. Set it (keep it stable: changing it changes every "
            "customer_id), or set pii.allow_development_secret: true for a demo"
        )
    global _warned
    if not _warned:
        log.warning(
            "%s is not set: hashing identifiers with the public development secret. "
            "Fine for the sample, never for real customer data.",
            env_var,
        )
        _warned = True
    return HmacKey.from_secret(DEVELOPMENT_SECRET)


_PHONE_JUNK = re.compile(r"[^0-9+]")


def phone_e164(value: str | None, region: str | None = None) -> str | None:
    """A phone number as an identifier: E.164 (``+442079460958``) when ``phonenumbers`` can
    read it (national formats need ``region``, such as ``GB``); otherwise its digits, with a
    leading ``+`` for ``+`` or ``00``. None when it holds no digit."""
    if value is None:
        return None
    try:
        number = phonenumbers.parse(value, region or None)
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    digits = _PHONE_JUNK.sub("", value)
    plus = digits.startswith("+") or digits.startswith("00")
    digits = digits.replace("+", "")
    if plus and digits.startswith("00"):
        digits = digits[2:]
    if not digits:
        return None
    return ("+" if plus else "") + digits


def ip_network(value: str | None) -> str | None:
    """An IP address truncated to its network, as ``ipaddress`` writes it: IPv4 ``/24``
    (``203.0.113.0/24``), IPv6 ``/48`` (``2001:db8:85a3::/48``); an IPv4-mapped IPv6
    address (``::ffff:192.0.2.128``) is truncated as the IPv4 address it carries. A zone
    (``%eth0``) is dropped. None when the value is no IP address."""
    if value is None:
        return None
    try:
        address = ipaddress.ip_address(value.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _on_distinct(fn: Callable[[str | None], str | None], values: pa.Array) -> pa.Array:
    """``fn`` over an Arrow vector, run once per distinct value and taken back in order."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    uniques = pc.unique(values)
    mapped = pa.array([fn(v) for v in uniques.to_pylist()], pa.string())
    return pc.take(mapped, pc.index_in(values, value_set=uniques))


def _phone_e164_vector(phones: pa.Array, regions: pa.Array) -> pa.Array:
    region = regions[0].as_py() if len(regions) else None  # a bound parameter: one per call
    return _on_distinct(lambda v: phone_e164(v, region), phones)


def _ip_network_vector(ips: pa.Array) -> pa.Array:
    return _on_distinct(ip_network, ips)


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """Define ``jm_py_phone_e164`` and ``jm_py_ip_network`` on ``con`` (before the macros that
    use them). Connections of one process to one database file share its functions: a
    second connection (a notebook's reader beside a publish) finds them defined already."""
    functions = (
        ("jm_py_phone_e164", _phone_e164_vector, ["VARCHAR", "VARCHAR"]),
        ("jm_py_ip_network", _ip_network_vector, ["VARCHAR"]),
    )
    for name, function, parameters in functions:
        try:
            con.create_function(
                name,
                function,
                [duckdb.sqltype(p) for p in parameters],
                duckdb.sqltype("VARCHAR"),
                type=PythonUDFType.ARROW,
                null_handling=FunctionNullHandling.SPECIAL,
                side_effects=False,
            )
        except duckdb.CatalogException as exc:
            if "already exists" not in str(exc):
                raise
