"""A realistic finished scan for the reporters: every family, every outcome, awkward bodies.

It is built by hand from the shared model (not by running a scan) so that each reporter test
knows exactly what must appear. Secrets never appear here: like the engine, the fixture uses
placeholders (`$ALICE_TOKEN`), and the redaction tests plant real-looking secrets elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    HttpRequest,
    HttpResponse,
    IdentitySummary,
    OperationRef,
    Outcome,
    ScanResult,
    ScanStats,
    Severity,
    SuppressedFinding,
    TaskResult,
)

TARGET = "http://127.0.0.1:8000"
DATA = Path(__file__).parent / "data"

ALICE = {"id": 1, "email": "alice@example.test", "name": "Alice", "plan": "pro"}
XSS_BODY = b'{"name": "<script>alert(1)</script>", "bio": "</pre><img src=x onerror=alert(2)>"}'
BIG_BODY = json.dumps({"items": [{"id": i, "note": "x" * 40} for i in range(400)]}).encode()
BINARY_BODY = bytes(range(256)) * 4


def exchange(
    exchange_id: int,
    method: str,
    path: str,
    *,
    identity: str | None,
    status: int | None,
    body: bytes = b"",
    auth: str | None = None,
    request_body: bytes | None = None,
    error: str | None = None,
    truncated: bool = False,
) -> Exchange:
    headers: tuple[tuple[str, str], ...] = (("Accept", "application/json"),)
    if auth is not None:
        headers += (("Authorization", auth),)
    response = None
    if status is not None:
        response = HttpResponse(
            status=status,
            headers=(
                ("Content-Type", "application/json"),
                ("Set-Cookie", "a=1"),
                ("Set-Cookie", "b=2"),
            ),
            body=body,
            elapsed=0.012,
            truncated=truncated,
        )
    return Exchange(
        id=exchange_id,
        request=HttpRequest(method, TARGET + path, headers, request_body),
        response=response,
        error=error,
        identity=identity,
        started_at=1_764_000_000.0 + exchange_id,
    )


def bola_finding() -> Finding:
    alice_body = json.dumps(ALICE).encode()
    return Finding(
        check_id="authz-bola",
        title="Bob can read Alice's user record",
        severity=Severity.HIGH,
        confidence=Confidence.CERTAIN,
        family=Family.AUTHZ,
        cwe=(639, 285),
        owasp="API1:2023",
        operation=OperationRef("GET", "/users/{id}"),
        identity="bob",
        victim="alice",
        description="GET /users/1 returns Alice's record to Bob; her e-mail is in his response.",
        evidence=(
            Evidence(
                "owner",
                exchange(
                    1,
                    "GET",
                    "/users/1",
                    identity="alice",
                    status=200,
                    body=alice_body,
                    auth="Bearer $ALICE_TOKEN",
                ),
            ),
            Evidence(
                "intruder",
                exchange(
                    2,
                    "GET",
                    "/users/1",
                    identity="bob",
                    status=200,
                    body=alice_body,
                    auth="Bearer $BOB_TOKEN",
                ),
                note="alice@example.test found in bob's response",
            ),
        ),
        reproduce=f"curl -H 'Authorization: Bearer $BOB_TOKEN' {TARGET}/users/1",
        remediation="Check that the caller owns the object on every request.",
        fingerprint="fp-authz-bola-users-bob-alice",
        references=(
            "https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/",
        ),
        details={"similarity": 0.97, "markers": ["alice@example.test"]},
    )


def findings() -> list[Finding]:
    forged = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIn0."
    return [
        bola_finding(),
        Finding(
            check_id="jwt-alg-none",
            title="API accepts unsigned JWTs (alg: none)",
            severity=Severity.CRITICAL,
            confidence=Confidence.CERTAIN,
            family=Family.JWT,
            cwe=(347,),
            owasp="API2:2023",
            operation=OperationRef("GET", "/me"),
            identity="alice",
            description="A token with alg none and no signature was accepted as Alice.",
            evidence=(
                Evidence(
                    "baseline",
                    exchange(
                        3,
                        "GET",
                        "/me",
                        identity="alice",
                        status=200,
                        body=json.dumps(ALICE).encode(),
                        auth="Bearer $ALICE_TOKEN",
                    ),
                ),
                Evidence(
                    "attack",
                    exchange(
                        4,
                        "GET",
                        "/me",
                        identity=None,
                        status=200,
                        body=json.dumps(ALICE).encode(),
                        auth=f"Bearer {forged}",
                    ),
                ),
            ),
            reproduce=f"curl -H 'Authorization: Bearer {forged}' {TARGET}/me",
            remediation="Pin the accepted algorithms; never accept 'none' (RFC 8725 §3.1).",
            fingerprint="fp-jwt-alg-none-me-alice",
            references=("RFC 8725 §3.1",),
            details={"similarity": 1.0},
        ),
        Finding(
            check_id="apikey-sole-user-auth",
            title="A static API key alone identifies the user",
            severity=Severity.HIGH,
            confidence=Confidence.FIRM,
            family=Family.APIKEY,
            cwe=(287, 1390),
            owasp="API2:2023",
            operation=OperationRef("GET", "/profile"),
            identity="ops",
            description="The profile is served on the API key with no user session.",
            evidence=(
                Evidence(
                    "attack",
                    exchange(5, "GET", "/profile", identity="ops", status=200, body=XSS_BODY),
                ),
            ),
            reproduce=f"curl -H 'X-API-Key: $OPS_KEY' {TARGET}/profile",
            remediation="Authenticate users with short-lived tokens; keep keys for clients.",
            fingerprint="fp-apikey-sole-profile-ops",
        ),
        Finding(
            check_id="token-long-lived-access",
            title="Access tokens live for 30 days",
            severity=Severity.MEDIUM,
            confidence=Confidence.CERTAIN,
            family=Family.TOKEN,
            cwe=(613,),
            owasp="API2:2023",
            operation=OperationRef("POST", "/auth/login"),
            identity="alice",
            description="exp − iat is 2592000 s, above the 43200 s policy.",
            evidence=(
                Evidence(
                    "login",
                    exchange(
                        6,
                        "POST",
                        "/auth/login",
                        identity="alice",
                        status=200,
                        body=BIG_BODY,
                        request_body=b'{"username":"alice","password":"$ALICE_PASSWORD"}',
                    ),
                ),
            ),
            reproduce=f"curl -X POST {TARGET}/auth/login -d @login.json",
            remediation="Issue access tokens for an hour or less (RFC 6750 §5.3).",
            fingerprint="fp-token-long-lived-login-alice",
            details={"lifetime": 2592000, "raw": b"\xff\xfe", "when": {"a", "b"}},
        ),
        Finding(
            check_id="rl-login-no-throttling",
            title="No throttling of failed logins",
            severity=Severity.MEDIUM,
            confidence=Confidence.TENTATIVE,
            family=Family.RATELIMIT,
            cwe=(307,),
            owasp="API4:2023",
            operation=OperationRef("POST", "/auth/login"),
            identity=None,
            description="25 failed logins got no limit signal.",
            evidence=(
                Evidence(
                    "last attempt",
                    exchange(
                        7,
                        "POST",
                        "/auth/login",
                        identity=None,
                        status=401,
                        body=BINARY_BODY,
                        truncated=True,
                    ),
                ),
            ),
            reproduce="for i in $(seq 25); do curl -X POST ...; done",
            remediation="Throttle failed logins per account (NIST SP 800-63B §5.2.2).",
            fingerprint="fp-rl-login",
        ),
        Finding(
            check_id="transport-token-in-url",
            title="Token accepted in the query string",
            severity=Severity.LOW,
            confidence=Confidence.FIRM,
            family=Family.TRANSPORT,
            cwe=(598,),
            owasp="API2:2023",
            operation=OperationRef("GET", "/reports/{id}"),
            identity="alice",
            description="access_token in the URL was accepted.",
            evidence=(
                Evidence(
                    "retry",
                    exchange(
                        8,
                        "GET",
                        "/reports/7?access_token=$ALICE_TOKEN",
                        identity="alice",
                        status=None,
                        error="timeout",
                    ),
                ),
            ),
            reproduce=f"curl '{TARGET}/reports/7?access_token=$ALICE_TOKEN'",
            remediation="Ignore access tokens in query parameters (OAuth 2.1).",
            fingerprint="fp-transport-query",
        ),
        Finding(
            check_id="oauth-metadata-none-alg",
            title="Discovery advertises the none algorithm",
            severity=Severity.INFO,
            confidence=Confidence.CERTAIN,
            family=Family.OAUTH,
            cwe=(327,),
            owasp="",
            operation=None,
            identity=None,
            description="id_token_signing_alg_values_supported lists none.",
            evidence=(),
            reproduce=f"curl {TARGET}/.well-known/openid-configuration",
            remediation="Remove none from the metadata (RFC 8414 §2).",
            fingerprint="fp-oauth-none",
        ),
    ]


def suppressed() -> list[SuppressedFinding]:
    bfla = Finding(
        check_id="authz-bfla",
        title="Users can call the admin user list",
        severity=Severity.HIGH,
        confidence=Confidence.FIRM,
        family=Family.AUTHZ,
        cwe=(285,),
        owasp="API5:2023",
        operation=OperationRef("GET", "/admin/users"),
        identity="bob",
        description="GET /admin/users answered bob like ops.",
        evidence=(
            Evidence(
                "admin", exchange(9, "GET", "/admin/users", identity="ops", status=200, body=b"[]")
            ),
            Evidence(
                "user", exchange(10, "GET", "/admin/users", identity="bob", status=200, body=b"[]")
            ),
        ),
        reproduce=f"curl -H 'Authorization: Bearer $BOB_TOKEN' {TARGET}/admin/users",
        remediation="Check the caller's role on admin functions.",
        fingerprint="fp-authz-bfla-admin-users-bob",
    )
    return [SuppressedFinding(bfla, "admin API only reachable over the VPN", "2027-01-31")]


def tasks(found: list[Finding], accepted: list[SuppressedFinding]) -> list[TaskResult]:
    result = [
        TaskResult(f.check_id, f.operation, f.identity, Outcome.FINDING, requests=4, duration=0.2)
        for f in found
    ]
    for s in accepted:
        f = s.finding
        result.append(TaskResult(f.check_id, f.operation, f.identity, Outcome.FINDING, requests=4))
    result += [
        TaskResult(
            "authz-bola",
            OperationRef("GET", "/users/{id}"),
            "alice",
            Outcome.PASSED,
            requests=3,
            duration=0.1,
        ),
        TaskResult(
            "authz-bola",
            OperationRef("GET", "/orders/{id}"),
            "bob",
            Outcome.INCONCLUSIVE,
            reason="valid and rejected baselines are indistinguishable",
            requests=3,
        ),
        TaskResult(
            "jwt-kid-injection",
            OperationRef("GET", "/me"),
            "alice",
            Outcome.ERROR,
            reason="KeyError: 'kid'",
        ),
        TaskResult(
            "jwt-alg-none",
            OperationRef("GET", "/orders/{id}"),
            "alice",
            Outcome.NOT_RUN,
            reason="budget: max_requests 5000 reached",
        ),
        TaskResult(
            "rl-burst",
            OperationRef("GET", "/search"),
            None,
            Outcome.SKIPPED,
            reason="noisy check; intrusive is off",
        ),
    ]
    return result


def build_result() -> ScanResult:
    found = findings()
    accepted = suppressed()
    return ScanResult(
        tool_version="0.1.0",
        target=TARGET,
        started_at="2026-11-28T10:00:00Z",
        finished_at="2026-11-28T10:02:03Z",
        partial=False,
        stats=ScanStats(
            requests=412,
            operations=9,
            checks_run=8,
            tasks=14,
            duration=123.4,
            requests_by_status={"200": 300, "401": 100, "403": 12},
            errors=1,
        ),
        identities=[
            IdentitySummary("alice", "user", "login", requests=180, succeeded=176, logged_in=True),
            IdentitySummary("bob", "user", "bearer", requests=120, succeeded=117, logged_in=True),
            IdentitySummary("ops", "admin", "api_key", requests=0, succeeded=0, logged_in=False),
        ],
        findings=found,
        suppressed=accepted,
        tasks=tasks(found, accepted),
        spec_source=None,
        extras={
            "access_matrix": {
                "identities": ["alice", "bob", "ops"],
                "rows": [
                    {
                        "operation": "GET /users/{id}",
                        "cells": {"alice": "allowed", "bob": "allowed", "ops": "allowed"},
                    },
                    {
                        "operation": "GET /admin/users",
                        "cells": {"alice": "denied", "bob": "allowed", "ops": "allowed"},
                    },
                    {
                        "operation": "GET /orders/{id}",
                        "cells": {"alice": "allowed", "bob": "inconclusive", "ops": "denied"},
                    },
                ],
            }
        },
    )


@pytest.fixture
def scan_result() -> ScanResult:
    return build_result()


@pytest.fixture
def partial_result() -> ScanResult:
    """A scan cut short with nothing found: the reports must not read as 'clean'."""
    return ScanResult(
        tool_version="0.1.0",
        target=TARGET,
        started_at="2026-11-28T10:00:00Z",
        finished_at="2026-11-28T10:00:09Z",
        partial=True,
        partial_reason="interrupted (Ctrl-C)",
        tasks=[
            TaskResult(
                "authz-bola",
                OperationRef("GET", "/users/{id}"),
                "bob",
                Outcome.NOT_RUN,
                reason="interrupted",
            ),
        ],
    )
