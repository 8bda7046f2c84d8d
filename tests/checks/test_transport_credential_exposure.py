"""transport-credential-exposure: the lab's echoing error pages found, the hardened lab silent,
and the detectors' decoys (public key, UUID, SHA-256 of public data, a login answer's JWT)."""

from __future__ import annotations

import json

from authsift.checks.transport import _secrets
from authsift.model import Severity
from tests.checks.jwt_helpers import assert_silent, outcomes
from tests.checks.transport_helpers import of, transport_scan

CHECK = "transport-credential-exposure"


def test_fires_on_the_lab_flaw_and_redacts() -> None:
    result = transport_scan(CHECK)
    found = of(result, CHECK)
    echo = [f for f in found if "echoed" in f.title]
    assert echo, outcomes(result, CHECK)
    assert echo[0].severity is Severity.MEDIUM and echo[0].operation is None
    text = json.dumps([f.description for f in found]) + repr([f.evidence for f in found])
    assert "eyJ" not in text  # the echoed tokens are redacted


def test_silent_on_the_hardened_lab() -> None:
    assert_silent(transport_scan("hardened"), CHECK)


BCRYPT = "$2b$12$" + "N9qo8uLOickgx2ZMRZoMye" + "IjZAgcfl7p92ldGxad68LJZdL17lhWy"
ARGON2 = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"
PUBLIC_KEY = (
    "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----"
)
PRIVATE_KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA\n-----END EC PRIVATE KEY-----"


def test_detectors_find_secrets_and_leave_decoys_alone() -> None:
    assert [h.kind for h in _secrets.in_text(BCRYPT)] == ["password hash (bcrypt)"]
    assert [h.kind for h in _secrets.in_text(ARGON2)] == ["password hash (argon2)"]
    assert [h.kind for h in _secrets.in_text(PRIVATE_KEY)] == ["private key (PEM)"]
    assert _secrets.in_member("password", "Alice-tracks-2024")
    assert _secrets.in_member("webhook_secret", "whsec_9f8e7d6c5b4a39281706")
    assert _secrets.in_member("totp_secret", "JBSWY3DPEHPK3PXP")
    assert _secrets.in_line("DB_PASSWORD=s3cr3t-value")
    decoys = {
        "public_key": PUBLIC_KEY,
        "id": "3f1b6f39-6b2a-4c0e-9b1a-2f3e4d5c6b7a",
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
        "password_policy": "at least 12 characters",
        "password": "********",
        "signing_secret": "whsec_…a5f1",
    }
    for name, value in decoys.items():
        assert not _secrets.in_member(name, value), name
        assert not _secrets.in_text(value), name
