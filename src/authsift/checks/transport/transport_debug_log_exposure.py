"""transport-debug-log-exposure (CHECKS.md #66); the user-facing doc is the class docstring."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import AsyncIterator

from authsift.checks.authz._unlisted import Leak, leaks, register_and_mask, summary
from authsift.checks.base import Check, Context
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    HttpRequest,
    Severity,
)


class DebugLogExposure(Check):
    """Tokens or secrets retrievable from debug, trace, log or environment endpoints.

    ## What it checks
    Every endpoint the scan's unlisted-endpoint discovery found (the curated `/actuator/env`,
    `/actuator/httptrace`, `/debug/vars`, `/_debug`, `/env`, `/.env`, `/logs`, `/server-status`…
    and the paths the spec suggests) is read after a request carrying a unique, harmless
    **canary** bearer token was sent to the API. The check looks for the canary, the scan
    identities' own credentials, recorded `Authorization`/`Cookie`/API-key headers, secret-named
    settings with a concrete value (`DB_PASSWORD`, `JWT_SECRET`) and URLs with a password.

    ## Why it matters
    A request log or trace endpoint that anyone can read hands out every caller's live session;
    an environment dump hands out the database password and the token signing key, from which
    any identity can be forged (OWASP API8:2023 Security Misconfiguration, CWE-532).

    ## Example
    `GET /actuator/httptrace` with no credential → `200 OK` listing recent requests with their
    `Authorization: Bearer eyJ…` headers, the scanner's canary among them.

    ## Remediation
    Do not ship debug, trace and environment endpoints to production (Spring Boot:
    `management.endpoints.web.exposure.include=health`; Flask/Django: debug off); where an ops
    endpoint is needed, put it behind admin authentication on an internal listener, and never
    log credential headers (mask `Authorization`, `Cookie`, API keys before logging).

    ## References
    OWASP API8:2023, API9:2023 · ASVS 4.0.3 V7.1.1, V14.3.2 · ASVS 5.0 V16.2.5, V13.4.2,
    V13.4.5 · CWE-532, CWE-215

    ## Decision rule
    CHECKS.md #66, on endpoints missing from the spec only. The endpoint is read anonymously,
    and when that is refused (401/403), as the first non-privileged identity; an endpoint only
    a privileged identity reads passes ("SAFE if 401/403/404"). The answer must be 2xx and carry
    a leak, which must be there again on two re-sends:
    - the canary, another identity's credential, or a recorded credential header (request logs
      with `Authorization`) → **critical**: live tokens of other sessions;
    - secret-named settings with a concrete value or a URL with a password (an environment or
      configuration dump) → **high**.
    The caller's own credential in the answer does not count (a trace shows the request that
    asked for it). Masked values (`******`, `<redacted>`) are not leaks. TRACE is not sent: the
    scan's discovery stays read-only (GET/HEAD).
    """

    id = "transport-debug-log-exposure"
    title = "Tokens or secrets retrievable from a debug, log or environment endpoint"
    family = Family.TRANSPORT
    severity = Severity.CRITICAL
    cwe = (532, 215)
    owasp = "API8:2023"
    max_requests = 7  # canary, anonymous, as a user, two re-sends
    expected_requests = 3  # canary and read; two re-sends when something leaks
    baselines = "none"
    uses_discovery = True
    subsumes = frozenset(
        {
            "authz-unlisted-endpoint",
            "authz-unauthenticated-access",
            "authz-bopla-excessive-exposure",
        }
    )

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        op = ctx.operation
        assert op is not None
        canary = _canary()
        planted = await ctx.send(
            HttpRequest("GET", ctx.url("/"), headers=(("Authorization", f"Bearer {canary}"),))
        )
        request = HttpRequest("GET", ctx.url(op.path))
        reader: str | None = None
        answer = await ctx.send(request)
        if answer.status in (401, 403):
            users = [name for name in ctx.identities if not ctx.is_privileged(name)]
            if not users:
                return
            reader = users[0]
            answer = await ctx.send(request, identity=reader)
        known = {canary: "canary"} | {
            credential.token: "credential"
            for name in ctx.identities
            if name != reader and (credential := ctx.credential(name)) is not None
        }
        own = ctx.credential(reader) if reader else None
        found = _leaks(answer, known, own.token if own is not None else None)
        if not found:
            return

        def still(again: Exchange) -> bool:
            return bool(_leaks(again, known, own.token if own is not None else None))

        if not await ctx.reproduces(request, still, identity=reader):
            return
        shown = register_and_mask(answer, found, ctx.add_secret)
        worst = any(leak.is_credential for leak in found)
        who = "an anonymous caller" if reader is None else f"{reader} (role {ctx.role(reader)!r})"
        yield ctx.finding(
            self,
            title=(
                f"{op.path} exposes other sessions' credentials"
                if worst
                else f"{op.path} exposes secrets (environment or configuration dump)"
            ),
            description=(
                f"GET {op.path}, which the API description does not list, answers {who} with "
                f"{summary(found)}."
                + (
                    " The scan's canary token, sent in an earlier request, came back: the "
                    "endpoint serves recorded request headers."
                    if any(leak.kind == "canary" for leak in found)
                    else ""
                )
                + " Values are redacted in this report."
            ),
            evidence=[
                Evidence("request carrying the canary bearer token", planted),
                Evidence(f"the unlisted endpoint, read by {who}", shown),
            ],
            identity=reader,
            reproduce=shown,
            confidence=Confidence.CERTAIN if worst else Confidence.FIRM,
            severity=Severity.CRITICAL if worst else Severity.HIGH,
        )


def _leaks(answer: Exchange, known: dict[str, str], own: str | None) -> list[Leak]:
    found = leaks(answer.response, known)
    if own:  # the reader's own request, recorded by the trace it reads, proves nothing
        found = [leak for leak in found if own not in leak.value and leak.value not in own]
    return found


def _canary() -> str:
    """A syntactically valid, unsigned-looking JWT that no API accepts: unique per task."""

    def part(value: dict[str, object]) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    marker = f"authsift-canary-{secrets.token_hex(8)}"
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': marker})}.{secrets.token_hex(16)}"
