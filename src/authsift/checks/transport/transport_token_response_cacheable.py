"""transport-token-response-cacheable (CHECKS.md #68); the user-facing doc is the class
docstring."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.checks.transport._recorded import (
    OperationIndex,
    answered,
    credentials_in,
    json_body,
    review_once,
    where,
)
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Severity

# secrets another review found exposed (transport-credential-exposure): not handed out by design
_EXPOSED = "$EXPOSED_"
# RFC 9111 §5.2.2.6/§5.2.2.10 and the de-facto cache status headers: signs of a shared cache.
_SHARED = re.compile(r"(?:^|,)\s*(?:public|s-maxage\s*=)", re.IGNORECASE)


class TransportTokenResponseCacheable(Check):
    """Responses that hand out credentials may be cached (no `Cache-Control: no-store`).

    ## What it checks
    Reviews every response of the scan that hands out a credential — a login, refresh or token
    answer, an API key shown at creation, any answer carrying one of the scan's tokens or keys
    that the request did not carry — and looks for `Cache-Control: no-store`.

    ## Why it matters
    Without `no-store`, a browser, a corporate proxy or a CDN may keep the answer — tokens
    included — and serve it to the next person who asks, or leave it on a shared disk
    (OWASP API8:2023; RFC 6749 §5.1 makes `no-store` a MUST for token answers).

    ## Example
    `POST /auth/login` → `200 {"access_token": "eyJ…", "refresh_token": "…"}` with no
    `Cache-Control` header.

    ## Remediation
    Send `Cache-Control: no-store` (and `Pragma: no-cache` for HTTP/1.0 caches) on every
    response that contains a token, key, secret or session identifier.

    ## References
    RFC 6749 §5.1 · RFC 9111 §5.2.2.5 · OWASP API8:2023 · ASVS 5.0 V14.3.2, V14.2.2 ·
    ASVS 4.0.3 V8.2.1, V8.1.1 · WSTG-ATHN-06 · CWE-524 · CWE-525

    ## Decision rule
    Passive. RFC 6749 §5.1: the authorization server "MUST include the HTTP `Cache-Control`
    response header field with a value of `no-store` in any response containing tokens". A
    response is credential-bearing when its body holds one of the scan's own secrets (tokens and
    keys it was given or learnt from an answer) that its request did not carry; echoes and error
    answers (4xx/5xx) are left to `transport-credential-exposure`. `no-store` present → safe.
    The MUST binds OAuth token responses (a request carrying `grant_type` answered with
    `access_token` and `token_type`): those are always judged. Other credential answers (a
    login's `{"token": …}`) are judged when the API marks some of its credential answers
    `no-store` and forgets others; an API that never sends `no-store` outside OAuth is skipped
    with that reason, not reported (the reading with fewer false positives: no RFC binds a
    home-grown login answer). `private`, `no-cache` or `max-age=0` alone do not forbid storing.
    Severity low; medium when the answer shows signs of a shared cache (`public`, `s-maxage`, an
    `Age` header, `X-Cache: HIT`). A missing `Pragma: no-cache` alone is not a finding (OAuth
    2.1 requires only `no-store`).
    """

    id = "transport-token-response-cacheable"
    title = "Credential-bearing response lacks Cache-Control: no-store"
    family = Family.TRANSPORT
    severity = Severity.MEDIUM
    cwe = (524, 525)
    owasp = "API8:2023"
    granularity = "api"
    baselines = "none"
    phase = "review"
    max_requests = 0

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        review_once(ctx, self)
        index = OperationIndex(ctx.operations, ctx.facts.target)
        cacheable: dict[str, tuple[Exchange, tuple[str, ...]]] = {}
        bearing = stored = 0
        for exchange in answered(ctx):
            handed_out = _handed_out(ctx, exchange)
            if not handed_out:
                continue
            bearing += 1
            if _no_store(exchange):
                stored += 1
                continue
            op = index.of(exchange)
            cacheable.setdefault(op.key if op else where(exchange), (exchange, handed_out))
        if bearing == 0:
            raise Inconclusive("no response of the scan handed out a credential")
        if stored == 0:  # the API never marks one: only RFC 6749 token answers are held to it
            cacheable = {k: v for k, v in cacheable.items() if _oauth_token_answer(v[0])}
            if not cacheable:
                raise NotApplicable(
                    "no credential-bearing answer of this API carries Cache-Control: no-store, "
                    "and none is an OAuth token response (RFC 6749 §5.1); reported only when "
                    "some such answers are marked no-store and others are not"
                )
        for key, (exchange, handed_out) in cacheable.items():
            op = index.of(exchange)
            shared = _shared_cache(exchange)
            control = (
                exchange.response.header("Cache-Control") if exchange.response else None
            ) or ""
            yield ctx.finding(
                self,
                title=self.title if op else f"{self.title} ({key})",
                description=(
                    f"The answer to {where(exchange)} hands out {', '.join(handed_out)} with "
                    + (f"`Cache-Control: {control}`" if control else "no `Cache-Control` header")
                    + ": nothing forbids a browser, proxy or CDN from storing it (RFC 6749 §5.1)."
                    + (" It shows signs of a shared cache." if shared else "")
                ),
                evidence=[Evidence("credential-bearing response", exchange)],
                severity=Severity.MEDIUM if shared else Severity.LOW,
                confidence=Confidence.CERTAIN,
                details={"cache_control": control, "shared_cache": shared},
                operation=op,
                api_wide=op is None,
                identity=exchange.identity,
            )


def _handed_out(ctx: Context, exchange: Exchange) -> tuple[str, ...]:
    """Placeholders of the scan's secrets in the body that the request did not carry."""
    response = exchange.response
    if response is None or not 200 <= response.status < 300 or not response.body:
        return ()
    found = credentials_in(ctx, response.text)
    if not found:
        return ()
    request = exchange.request
    sent = " ".join(
        [
            request.url,
            *(v for _, v in request.headers),
            (request.body or b"").decode("utf-8", "replace"),
        ]
    )
    carried = set(credentials_in(ctx, sent))  # by value: a renewed token shares the old placeholder
    handed = (
        s.placeholder
        for s in found
        if s not in carried
        and "PASSWORD" not in s.placeholder.upper()
        and not s.placeholder.startswith(_EXPOSED)
    )
    return tuple(dict.fromkeys(handed))


def _oauth_token_answer(exchange: Exchange) -> bool:
    """An answer RFC 6749 §5.1 binds: a token request (every grant sends `grant_type`, §4.1.3,
    §4.3.2, §4.4.2, §6) answered with `access_token` and `token_type` (REQUIRED there)."""
    body = (exchange.request.body or b"").decode("utf-8", "replace")
    if not re.search(r'(?:^|[&{,\s"])grant_type"?\s*[=:]', body):
        return False
    document = json_body(exchange)
    return isinstance(document, dict) and "access_token" in document and "token_type" in document


def _no_store(exchange: Exchange) -> bool:
    response = exchange.response
    values = [v for k, v in (response.headers if response else ()) if k.lower() == "cache-control"]
    return any(re.search(r"(?:^|,)\s*no-store\b", v, re.IGNORECASE) for v in values)


def _shared_cache(exchange: Exchange) -> bool:
    response = exchange.response
    if response is None:
        return False
    control = response.header("Cache-Control") or ""
    hit = (response.header("X-Cache") or "").upper().startswith("HIT")
    return bool(_SHARED.search(control)) or response.header("Age") is not None or hit
