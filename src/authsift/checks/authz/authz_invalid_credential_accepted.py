"""authz-invalid-credential-accepted (CHECKS.md #20); the user-facing doc is the class docstring."""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator

from authsift.analysis import Verdict
from authsift.checks.base import Check, Context, Inconclusive
from authsift.model import Confidence, Evidence, Family, Finding, HttpRequest, Severity


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def invalid_credentials() -> list[tuple[str, str, str]]:
    """(label, header, value): the CHECKS.md #20 list, fresh random parts on every call."""
    random_jwt = ".".join(_b64url(secrets.token_bytes(n)) for n in (24, 48, 32))
    return [
        ("empty bearer", "Authorization", "Bearer"),
        ("bearer with trailing space", "Authorization", "Bearer "),
        ("bearer null", "Authorization", "Bearer null"),
        ("bearer undefined", "Authorization", "Bearer undefined"),
        ("bearer [object Object]", "Authorization", "Bearer [object Object]"),
        ("32 random bytes", "Authorization", "Bearer " + _b64url(secrets.token_bytes(32))),
        ("random JWT-shaped token", "Authorization", "Bearer " + random_jwt),
        ("empty Basic credentials", "Authorization", "Basic Og=="),
        ("Token scheme", "Authorization", "Token x"),
        ("JWT scheme", "Authorization", "JWT x"),
        ("random session cookie", "Cookie", "session=" + secrets.token_hex(16)),
        ("random API key", "X-API-Key", secrets.token_hex(16)),
    ]


class InvalidCredentialAccepted(Check):
    """Fail-open on malformed or unknown credentials.

    ## What it checks
    Sends the identity's request with its credential replaced by values that must never work:
    `Bearer` with no token, `Bearer null`, `Bearer undefined`, `Bearer [object Object]`, 32 random
    bytes, a random JWT-shaped `h.p.s`, `Basic Og==` (empty user and password), other schemes
    (`Token x`, `JWT x`), a random session cookie and a random API-key header.

    ## Why it matters
    A verifier that throws on garbage and an error handler that lets the request through anyway
    ("fail open") accept anyone as someone: authentication is decorative (CWE-636).

    ## Example
    `GET /me` with `Authorization: Bearer null` → `200 OK` with alice's profile.

    ## Remediation
    Fail closed: any exception while parsing or verifying a credential must end in 401. Never fall
    back to a default or guest principal on a protected route.

    ## References
    RFC 6750 §3.1 (invalid_token → 401) · ASVS 4.0.3 V4.1.5 · ASVS 5.0 V7.2.1 · WSTG-ATHN-04 ·
    CWE-287, CWE-636

    ## Decision rule
    CHECKS.md #20: vulnerable only when a value is *accepted* by the shared judge (2xx, status equal
    to the valid answer, ≥ 90 % similar to it and not to the no-credential answer, and the
    identity's
    markers present), confirmed by two re-sends interleaved with fresh junk controls. A 2xx that
    is not the identity's answer is reported inconclusive, not vulnerable. Runs on a few
    representative identity-bearing operations and reports once per API.
    """

    id = "authz-invalid-credential-accepted"
    title = "Invalid credential accepted (fail-open authentication)"
    family = Family.AUTHZ
    severity = Severity.CRITICAL
    cwe = (287, 636)
    owasp = "API2:2023"
    needs = frozenset({"credential"})
    granularity = "api"
    max_requests = 16
    # 7-12 per usable probe operation, 0 without a baseline; measured with
    # benchmarks/estimate_accuracy.py
    expected_requests = 6

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        base = await ctx.baseline()
        if base.is_public:
            raise Inconclusive("the operation answers the same without a credential")
        # Our probes are junk credentials: judge them against valid vs no-credential only.
        reference = base.without_junk()
        identity = ctx.identity
        assert identity is not None and ctx.operation is not None
        valid_exchange, none_exchange, _ = ctx.baseline_exchanges()
        anonymous = none_exchange.request
        odd_2xx: list[str] = []
        for label, header, value in invalid_credentials():
            probe = HttpRequest(
                anonymous.method,
                anonymous.url,
                (
                    *[h for h in anonymous.headers if h[0].lower() != header.lower()],
                    (header, value),
                ),
                anonymous.body,
            )
            exchange = await ctx.send(probe)
            judgement = ctx.judge(exchange, reference)
            if judgement.verdict is Verdict.ACCEPTED:
                if not await ctx.confirm(probe, reference, control=anonymous):
                    odd_2xx.append(f"{label} (did not reproduce)")
                    continue
                yield ctx.finding(
                    self,
                    description=(
                        f"{ctx.operation.key} accepted `{header}: {value}` as {identity}: "
                        f"{judgement.reason}. Confirmed twice, with the no-credential control "
                        "rejected each time."
                    ),
                    evidence=[
                        Evidence(f"valid request as {identity}", valid_exchange),
                        Evidence("no credential (rejected)", none_exchange),
                        Evidence(f"request with {label}", exchange, judgement.reason),
                    ],
                    confidence=Confidence.CERTAIN,
                    reproduce=exchange,
                    details={"variant": label, "similarity": round(judgement.sim_valid, 3)},
                    api_wide=True,
                )
                return
            if exchange.status is not None and 200 <= exchange.status < 300:
                odd_2xx.append(label)
        if odd_2xx:
            raise Inconclusive("2xx, but not the identity's answer, for: " + ", ".join(odd_2xx))
