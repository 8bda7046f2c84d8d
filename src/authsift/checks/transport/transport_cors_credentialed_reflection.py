"""transport-cors-credentialed-reflection (CHECKS.md #67); the user-facing doc is the class
docstring."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import urlsplit

from authsift.checks.base import Check, Context, CoveredElsewhere, Inconclusive
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, HttpRequest, Severity

_DONE = "transport-cors-credentialed-reflection:done"


class TransportCorsCredentialedReflection(Check):
    """CORS lets any web site read authenticated answers (Origin reflected with credentials).

    ## What it checks
    Sends an authenticated request with `Origin` values no API would trust — a random
    `https://<random>.attacker.example`, `null` (sandboxed iframes, `file:` pages), the target's
    own host as a prefix (`https://<target-host>.attacker.example`) and as a suffix
    (`https://attacker<target-host>`) — and a CORS preflight (`OPTIONS` with
    `Access-Control-Request-Method` and `Access-Control-Request-Headers: Authorization`).
    It reads `Access-Control-Allow-Origin` (ACAO) and `Access-Control-Allow-Credentials` (ACAC).

    ## Why it matters
    When the API answers an arbitrary origin with `ACAO: <that origin>` and `ACAC: true`, any
    web page the victim visits may call the API with the victim's cookies (or with a token a
    script can reach) and read the answers: account data, tokens, CSRF tokens.

    ## Example
    `GET /me` with `Origin: https://x7.attacker.example` → `Access-Control-Allow-Origin:
    https://x7.attacker.example`, `Access-Control-Allow-Credentials: true`.

    ## Remediation
    Compare `Origin` against an exact allow-list of the front ends that need the API (scheme,
    host and port; no suffix, prefix or regex matching, never `null`), and send `Vary: Origin`.
    Most CORS middlewares do this when given a list instead of a pattern or a callback that
    returns true.

    ## References
    WHATWG Fetch, CORS protocol (§3.2) · RFC 9700 §2.6 · OWASP API8:2023 · ASVS 5.0 V3.4.2 ·
    ASVS 4.0.3 V14.5.3 · WSTG-CLNT-07 · CWE-942 · CWE-346

    ## Decision rule
    A finding when ACAO equals the untrusted origin that was sent (or `null` for `null`) and
    ACAC is `true`, on the simple request or the preflight. `ACAO: *` without credentials is
    not a finding (Fetch: a browser refuses `*` for a credentialed request, so nothing is
    exposed beyond what is public); `*` with `ACAC: true` is reported low, as a broken
    configuration a browser refuses. A fixed allow-list (ACAO absent or naming another origin)
    is safe. Severity follows the credential: high when the identity authenticates by cookie
    (the browser attaches it by itself), low for a bearer token or API key (a page must first
    obtain it), per CHECKS.md #67. At most 8 requests.
    """

    id = "transport-cors-credentialed-reflection"
    title = "CORS reflects arbitrary origins with credentials"
    family = Family.TRANSPORT
    severity = Severity.HIGH
    cwe = (942, 346)
    owasp = "API8:2023"
    needs = frozenset({"credential"})
    granularity = "api"
    max_requests = 8
    expected_requests = 3  # one task probes; the other representative operations are covered

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        if ctx.shared.get(_DONE):
            raise CoveredElsewhere("CORS was probed on another operation")
        base = await ctx.baseline()
        identity = base.identity or ctx.identity
        ctx.shared[_DONE] = True
        request = ctx.build()
        host = urlsplit(ctx.facts.target).hostname or "api.example"
        origins = [
            f"https://{secrets.token_hex(4)}.attacker.example",
            "null",
            f"https://{host}.attacker.example",
            f"https://attacker{host}",
        ]
        star: Exchange | None = None
        answered = 0
        cookie = False
        for origin in origins:
            # a browser sends the preflight without credentials, the request itself with them
            for probe, sender in (
                (_simple(request, origin), identity),
                (_preflight(request, origin), None),
            ):
                exchange = await ctx.send(probe, identity=sender)
                if exchange.response is None:
                    continue
                answered += 1
                # the identity's credential travels as a cookie: the browser attaches it itself
                cookie = cookie or (sender is not None and bool(exchange.request.header("Cookie")))
                acao, acac = _cors(exchange)
                if acao == origin and acac:
                    yield self._reflection(ctx, exchange, origin, identity, cookie)
                    return
                if acao == "*" and acac:
                    star = star or exchange
        if star is not None:
            yield ctx.finding(
                self,
                title="CORS allows any origin (*) together with credentials",
                description=(
                    "The API answers `Access-Control-Allow-Origin: *` with "
                    "`Access-Control-Allow-Credentials: true`. Browsers refuse this pair, so "
                    "nothing leaks today, but the configuration asks for credentialed access "
                    "from everywhere: one change (reflecting the Origin) makes it exploitable."
                ),
                evidence=[Evidence("credentialed request from a foreign origin", star)],
                severity=Severity.LOW,
                api_wide=True,
            )
        elif answered == 0:
            raise Inconclusive("no CORS probe got an answer")

    def _reflection(
        self, ctx: Context, exchange: Exchange, origin: str, identity: str | None, cookie: bool
    ) -> Finding:
        kind = "preflight" if exchange.request.method == "OPTIONS" else "credentialed request"

        shown = "`null`" if origin == "null" else f"`{origin}`"
        return ctx.finding(
            self,
            description=(
                f"A {kind} with `Origin: {origin}` is answered with "
                f"`Access-Control-Allow-Origin: {origin}` and "
                "`Access-Control-Allow-Credentials: true`: any web page, including one at "
                f"{shown}, may call the API with the visitor's credentials and read the "
                + (
                    "answers (the identity authenticates by cookie, which the browser attaches "
                    "by itself)."
                    if cookie
                    else "answers. This identity's credential is a header a page must first "
                    "obtain; the same policy on a cookie session would expose it directly."
                )
            ),
            evidence=[Evidence(f"{kind} from an untrusted origin", exchange)],
            severity=Severity.HIGH if cookie else Severity.LOW,
            confidence=Confidence.CERTAIN,
            details={"origin": origin, "probe": kind},
            api_wide=True,
            identity=identity,
        )


def _simple(request: HttpRequest, origin: str) -> HttpRequest:
    return replace(request, headers=(*request.headers, ("Origin", origin)))


def _preflight(request: HttpRequest, origin: str) -> HttpRequest:
    headers = (
        ("Origin", origin),
        ("Access-Control-Request-Method", request.method),
        ("Access-Control-Request-Headers", "authorization"),
    )
    return HttpRequest("OPTIONS", request.url, headers)


def _cors(exchange: Exchange) -> tuple[str | None, bool]:
    response = exchange.response
    if response is None:
        return None, False
    acao = response.header("Access-Control-Allow-Origin")
    acac = (response.header("Access-Control-Allow-Credentials") or "").strip().lower() == "true"
    return (acao.strip() if acao is not None else None), acac
