"""The lab's transport flaws (resource side), proven with plain HTTP: present on, gone off.

Every test runs three ways (`mode`): the flaw alone, every flaw on, and the hardened twin.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from authsift.lab.routes_transport import HSTS_VALUE, TRUSTED_ORIGINS

if TYPE_CHECKING:
    from conftest import Http, LabFor, SeededKeys, TokenFor


REPORT = "/reports/weekly-sales"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_api_key_in_query(mode: str, lab_for: LabFor, http: Http, seeded_keys: SeededKeys) -> None:
    flaw = "transport-credentials-in-query-accepted"
    base = lab_for(mode, flaw)
    key = seeded_keys(mode, flaw)["alice-read"]
    assert http("GET", f"{base}{REPORT}", headers={"X-API-Key": key}).status == 200
    in_query = http("GET", f"{base}{REPORT}?api_key={key}")
    if mode == "off":
        assert in_query.status == 401
    else:
        assert in_query.status == 200 and in_query.json()["id"] == "weekly-sales"


def test_credential_exposure_in_error_pages(
    mode: str, lab_for: LabFor, http: Http, token_for: TokenFor
) -> None:
    base = lab_for(mode, "transport-credential-exposure")
    token = token_for(base, "bob")
    missing = http("GET", f"{base}/orders/99999999", headers=bearer(token))
    assert missing.status == 404
    invalid = http("GET", f"{base}/orders/not-a-number", headers=bearer(token))
    assert invalid.status == 422
    for reply in (missing, invalid):
        if mode == "off":
            assert token not in reply.text
        else:
            assert token in reply.text


def test_debug_log_exposure(mode: str, lab_for: LabFor, http: Http) -> None:
    base = lab_for(mode, "transport-debug-log-exposure")
    # JWT-shaped, so that it is rejected even where a fail-open flaw accepts non-JWT values
    canary = f"Bearer eyJhbGciOiJIUzI1NiJ9.eyJjYW5hcnkiOjF9.{uuid.uuid4().hex}"
    assert http("GET", f"{base}/me", headers={"Authorization": canary}).status == 401
    trace = http("GET", f"{base}/actuator/httptrace")
    env = http("GET", f"{base}/actuator/env")
    if mode == "off":
        assert trace.status == 404 and env.status == 404
        assert canary not in trace.text
    else:
        assert trace.status == 200 and canary in trace.text
        assert env.status == 200 and "password" in env.text
    spec_paths = http("GET", f"{base}/openapi.json").json()["paths"]
    assert not any(path.startswith("/actuator") for path in spec_paths)


def test_cors_credentialed_reflection(
    mode: str, lab_for: LabFor, http: Http, token_for: TokenFor
) -> None:
    base = lab_for(mode, "transport-cors-credentialed-reflection")
    auth = bearer(token_for(base, "alice"))
    trusted = TRUSTED_ORIGINS[0]
    allowed = http("GET", f"{base}/me", headers={**auth, "Origin": trusted})
    assert allowed.headers["Access-Control-Allow-Origin"] == trusted
    assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    for origin in ("https://attacker.example", "null", f"{trusted}.attacker.example"):
        simple = http("GET", f"{base}/me", headers={**auth, "Origin": origin})
        preflight = http(
            "OPTIONS",
            f"{base}/me",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "Authorization",
            },
        )
        for reply in (simple, preflight):
            if mode == "off":
                assert reply.headers.get("Access-Control-Allow-Origin") is None, origin
            else:
                assert reply.headers["Access-Control-Allow-Origin"] == origin
                assert reply.headers["Access-Control-Allow-Credentials"] == "true"


def test_cleartext_credentials(mode: str, lab_for: LabFor, http: Http, token_for: TokenFor) -> None:
    base = lab_for(mode, "transport-cleartext-credentials")
    auth = bearer(token_for(base, "alice"))
    over_tls = http("GET", f"{base}/me", headers={**auth, "X-Forwarded-Proto": "https"})
    cleartext = http("GET", f"{base}/me", headers={**auth, "X-Forwarded-Proto": "http"})
    anonymous_cleartext = http("GET", f"{base}/health", headers={"X-Forwarded-Proto": "http"})
    assert over_tls.status == 200
    assert anonymous_cleartext.status == 200  # no credential, nothing to protect
    if mode == "off":
        assert cleartext.status == 403 and cleartext.json()["detail"] == "https_required"
        assert over_tls.headers["Strict-Transport-Security"] == HSTS_VALUE
    else:
        assert cleartext.status == 200 and cleartext.json()["username"] == "alice"
        assert over_tls.headers.get("Strict-Transport-Security") is None
