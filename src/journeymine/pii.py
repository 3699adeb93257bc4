"""Pseudonymisation: keyed hashing of identifiers and redaction of free text.

Identifiers (emails, phones, handles, cookie and user ids) are replaced by HMAC-SHA256 with a
secret read from the environment, so the same person gets the same key in every run while the
warehouse never holds the raw value. Free text has emails, phone numbers, IP addresses and
@handles redacted. The hashing itself runs in SQL (macro ``jm_hmac``); this module turns the
secret into the HMAC pads that macro takes as bound parameters.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass

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
