"""jwt-weak-hmac-secret: cracks the reporting client's HS256 secret, proves impact, chains the
recovered key into the key-holder-only tests, and stays silent on the hardened lab."""

from __future__ import annotations

import hmac
import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from authsift.jose import JoseError, parse_compact, sign
from authsift.lab.flaws import LabSettings
from authsift.model import ScanResult
from tests.apps.toy_api import serve_in_thread
from tests.checks.jwt_helpers import (
    api_wide,
    assert_silent,
    family_scan,
    findings_of,
    lab,
    outcomes,
    scan,
)
from tests.checks.scanning import fired, scan_with

CHECK = "jwt-weak-hmac-secret"
CHAINED = (
    "token-expired-accepted",
    "jwt-audience-not-validated",
    "jwt-issuer-not-validated",
    "jwt-token-type-confusion",
)


@pytest.fixture(scope="module")
def weak_secret_and_no_expiry() -> Iterator[ScanResult]:
    with lab(LabSettings.only({CHECK, "token-expired-accepted"})) as target:
        yield scan(target, [CHECK, *CHAINED])


def test_fires_on_the_lab_flaw() -> None:
    finding = api_wide(family_scan("vulnerable"), CHECK)
    assert finding.identity == "reporting-bot"  # the only HS256 tokens: client_credentials
    assert finding.details["secret"] == "secret123"
    assert finding.details["impersonated"] in {
        "alice",
        "bob",
        "carol",
    }  # a person, via the bot's key


def test_chain_reports_only_the_rules_the_target_breaks(
    weak_secret_and_no_expiry: ScanResult,
) -> None:
    result = weak_secret_and_no_expiry
    assert findings_of(result, CHECK)
    expired = api_wide(result, "token-expired-accepted")
    assert expired.details["recovered_by"] == CHECK
    assert expired.details["chain"][0].startswith(CHECK)
    assert [e.label for e in expired.evidence][-1].startswith("chained: exp")
    for kept in CHAINED[1:]:  # aud, iss and typ are checked here: the re-signed tokens fail
        assert findings_of(result, kept) == [], (kept, outcomes(result, kept))


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert "no identity holds an HS256" in outcomes(result, CHECK)["GET /me"]


# --- a small real API on 127.0.0.1 whose HS256 secret is what a pentester guesses ------------

USERS = {
    "1": {"id": 1, "username": "alice", "email": "alice@muffinbank.example"},
    "2": {"id": 2, "username": "bob", "email": "bob@muffinbank.example"},
}
ISSUER = "https://auth.muffinbank.example"


def mint(secret: bytes, sub: str) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": sub, "iat": now, "exp": now + 3600}
    return sign({"typ": "JWT"}, claims, secret, "HS256")


def bank_api(secret: bytes) -> web.Application:
    """`GET /me` answers the caller named by a valid HS256 token's `sub`, else 401."""

    async def me(request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        try:
            token = parse_compact(header.removeprefix("Bearer "))
        except JoseError:
            return web.json_response({"error": "invalid_token"}, status=401)
        expected = hmac.digest(secret, token.signing_input, "sha256")
        user = USERS.get(str((token.payload or {}).get("sub")))
        if token.alg != "HS256" or not hmac.compare_digest(expected, token.signature) or not user:
            return web.json_response({"error": "invalid_token"}, status=401)
        return web.json_response(user)

    app = web.Application()
    app.router.add_get("/me", me)
    return app


def bank_scan(tmp_path: Path, secret: bytes, **jwt_settings: Any) -> dict[str, Any]:
    ok = {"200": {"description": "the caller"}}
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "Ledger API", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {"/me": {"get": {"security": [{"bearer": []}], "responses": ok}}},
    }
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    with serve_in_thread(bank_api(secret)) as url:
        config = {
            "target": url,
            "spec": str(spec_path),
            "identities": [
                {"name": "alice", "auth": {"type": "bearer", "token": mint(secret, "1")}},
                {"name": "bob", "auth": {"type": "bearer", "token": mint(secret, "2")}},
            ],
            "limits": {"rate": 200, "concurrency": 4, "timeout": 5, "max_time": 120},
            "jwt": jwt_settings,
        }
        return scan_with(tmp_path, config, CHECK)


def reason(report: dict[str, Any]) -> str:
    reasons = [t["reason"] for t in report["inconclusive"] if t["check"] == CHECK]
    assert len(reasons) == 1, report["inconclusive"]
    return str(reasons[0])


@pytest.mark.parametrize(
    ("secret", "source"),
    [
        (b"muffin", "common passwords"),  # a dictionary word not in the curated list
        (b"483920", "digits ≤ 6"),
        (b"muffinbank-secret", "derived"),  # the issuer's name with a suffix
        (b"ledger2024", "derived"),  # a word of the API's title (the spec's info.title) and a year
    ],
)
def test_cracks_what_a_pentester_guesses_and_proves_it(
    tmp_path: Path, secret: bytes, source: str
) -> None:
    report = bank_scan(tmp_path, secret)
    assert fired(report) == [(CHECK, None)], report["inconclusive"]
    details = report["findings"][0]["details"]
    assert details["secret"] == secret.decode()
    assert details["found_in"] == source
    assert details["impersonated"] in {"alice", "bob"}  # the proof step: another identity


def test_a_strong_secret_is_inconclusive_and_says_what_was_tried(tmp_path: Path) -> None:
    report = bank_scan(tmp_path, secrets.token_bytes(32))
    assert fired(report) == []
    text = reason(report)
    assert text.startswith("secret not found: tried curated 429, derived (")
    for part in ("common passwords 30,000", "English words 49,160", "digits ≤ 6 (1,111,110)"):
        assert part in text, text
    assert text.endswith("not finding it does not prove it is strong")
    assert "budget" not in text


def test_configured_wordlists_and_time_budget(tmp_path: Path) -> None:
    words = tmp_path / "team-words.txt"
    words.write_text("alpha\norange-kangaroo-battery\n", encoding="utf-8")
    report = bank_scan(tmp_path, b"orange-kangaroo-battery", wordlists=[str(words)])
    assert report["findings"][0]["details"]["found_in"] == "wordlist team-words.txt"
    strong = bank_scan(tmp_path, secrets.token_bytes(32), crack_seconds=0.4)
    text = reason(strong)
    assert "when the budget ran out (jwt.crack_seconds: 0.4 s)" in text, text
    assert "(not reached)" in text or " of " in text
