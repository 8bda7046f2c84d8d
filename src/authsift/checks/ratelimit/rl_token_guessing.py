"""rl-token-guessing (CHECKS.md #47); the user-facing doc is the class docstring."""

from __future__ import annotations

import re
import secrets
import urllib.parse
from collections.abc import AsyncIterator

from authsift.analysis import SIMILARITY_THRESHOLD, similar_at_least
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._login import body_fields, encode, is_form
from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.checks.ratelimit._enum_targets import max_attempts
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    HttpRequest,
    Operation,
    Safety,
    Severity,
)

_ORACLE_PATH = re.compile(
    r"introspect|token-?info|check-?token|verify-?token|validate-?token|"
    r"tokens?/(inspect|verify|validate|lookup|check|info|status)",
    re.I,
)
_TOKEN_FIELD = re.compile(r"^(token|accesstoken|tokenvalue|apitoken|sessiontoken|jwt|key)$")
GUESSES = 50  # random tokens sent to measure throttling (fewer if abuse.max_attempts is lower)
LIMIT_STATUSES = frozenset({423, 429, 503})


class TokenGuessing(Check):
    """Unauthenticated token oracle: introspection or lookup that answers anyone.

    ## What it checks
    Finds token introspection and lookup endpoints (`/oauth/introspect`, `/tokeninfo`,
    `/tokens/verify`…), and asks each, without any client or user credential, about a random
    token and about the scan identity's own valid token. If the two answers differ (say
    `{"active": false}` vs `{"active": true, "sub": …}`) anyone can test guessed or stolen
    tokens there; it then sends random guesses (up to 50) to see whether the oracle is
    throttled.

    ## Why it matters
    An introspection endpoint that needs no client authentication is a free oracle: an attacker
    who guesses, harvests or brute-forces tokens learns which are live, and whose they are,
    without ever touching the resource servers that log and throttle. RFC 7662 requires the
    endpoint to authenticate its callers for exactly this reason.

    ## Example
    `POST /oauth/introspect` with `token=<random>` and no client credentials answers
    `200 {"active": false}`; with alice's access token it answers `{"active": true,
    "sub": "alice", …}`; 50 more guesses draw no 429.

    ## Remediation
    Require client authentication (or a bearer token of a resource server) on introspection
    and any token lookup, answer unauthenticated callers 401, and rate-limit failed lookups per
    client.

    ## References
    RFC 7662 §2.1 ("the endpoint MUST also require some form of authorization"), §4 ·
    RFC 6749 §10.10 · OWASP ASVS 5.0 V7.2.3 · OWASP API2:2023 · CWE-330, CWE-307

    ## Decision rule
    CHECKS.md #47 (b) and (c). A finding needs: the random token answered 2xx without
    credentials, the identity's own token answered 2xx without credentials, and the two answers
    not alike (similarity < 0.9 once volatile values are masked), reproduced once each. A 401
    or 403 to the anonymous call passes; identical answers (an endpoint that tells nothing)
    pass. The throttling measurement stops at the first limit signal and never exceeds
    `abuse.max_attempts`; it sets the wording, not the verdict. Medium (RFC 7662
    unauthenticated introspection). Part (a), the entropy of opaque tokens, is not estimated
    here.
    """

    id = "rl-token-guessing"
    title = "Token introspection or lookup answers without authentication"
    family = Family.RATELIMIT
    severity = Severity.MEDIUM
    cwe = (330, 307)
    owasp = "API2:2023"
    safety = Safety.NOISY
    sends_writes = True
    needs = frozenset({"credential"})
    baselines = "none"
    max_requests = 4 + GUESSES
    expected_requests = 15

    def noisy_range(self, operation: Operation | None, max_attempts: int) -> tuple[int, int]:
        # 1 request where the oracle refuses anonymous callers (the hardened lab), 4 + the
        # guesses where it answers them (54 on the lab)
        return 1, 4 + max(0, min(GUESSES, max_attempts - 4))

    def applies_to(self, operation: Operation) -> str | None:
        if not _ORACLE_PATH.search(operation.path) or _token_slot(operation) is None:
            return "not a token introspection or lookup endpoint"
        return None

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        op = ctx.operation
        slot = _token_slot(op) if op is not None else None
        if op is None or slot is None:
            raise NotApplicable("not a token introspection or lookup endpoint")
        token, identity = _own_token(ctx)
        guess = await ctx.send(_ask(ctx, op, slot, _random_like(token)), retry_on_limit=False)
        if guess.status in (401, 403):
            return
        real = await ctx.send(_ask(ctx, op, slot, token), retry_on_limit=False)
        if not (_ok(guess) and _ok(real)):
            raise Inconclusive(
                f"answers {guess.status} to a random token and {real.status} to a valid one"
            )
        assert guess.response is not None and real.response is not None
        if similar_at_least(guess.response, real.response, SIMILARITY_THRESHOLD):
            return  # answers alike: the endpoint tells nothing about the token
        again_real = await ctx.send(_ask(ctx, op, slot, token), retry_on_limit=False)
        again_guess = await ctx.send(_ask(ctx, op, slot, _random_like(token)), retry_on_limit=False)
        if not (_alike(again_real, real) and _alike(again_guess, guess)):
            raise Inconclusive("the valid and the random token's answers did not reproduce")
        tried, limited = await _measure_throttling(ctx, op, slot, token)
        throttle = (
            f"a limit signal ({limited.status}) after {tried} random guesses"
            if limited is not None
            else f"no throttling observed up to {tried} random guesses"
        )
        yield ctx.finding(
            self,
            description=(
                f"{op.key} answers without client authentication, and tells a valid token from "
                f"a random one ({guess.status} with a different body); {throttle}. Anyone can "
                "check harvested or guessed tokens here (RFC 7662 §2.1)."
            ),
            evidence=[
                Evidence("random token, no credentials", guess),
                Evidence(f"{identity}'s valid token, no credentials", real),
                Evidence("reproduced: valid token", again_real),
            ],
            confidence=Confidence.CERTAIN,
            reproduce=guess,
            details={"guesses": tried, "throttled": limited is not None},
        )


def _token_slot(op: Operation | None) -> tuple[str, str] | None:
    """("body" | "query", field name) where the token goes."""
    if op is None:
        return None
    for name in body_fields(op):
        if _TOKEN_FIELD.match(normalized_key(name)):
            return "body", name
    if op.request_body is not None and not body_fields(op) and op.method == "POST":
        return "body", "token"  # RFC 7662 §2.1: `token`, form-encoded
    for param in op.parameters:
        if param.location == "query" and _TOKEN_FIELD.match(normalized_key(param.name)):
            return "query", param.name
    return None


def _own_token(ctx: Context) -> tuple[str, str]:
    for identity in (ctx.identity, *ctx.identities):
        credential = ctx.credential(identity) if identity else None
        if identity and credential is not None and credential.token:
            return credential.token, identity
    raise Inconclusive("no identity holds a token to compare with")


def _random_like(token: str) -> str:
    return secrets.token_urlsafe(max(16, len(token) * 3 // 4))[: max(len(token), 16)]


def _ask(ctx: Context, op: Operation, slot: tuple[str, str], token: str) -> HttpRequest:
    where, name = slot
    url = ctx.url(op.path)
    if where == "query":
        return HttpRequest(op.method, f"{url}?{urllib.parse.urlencode({name: token})}")
    form = is_form(op) or op.request_body is None or not body_fields(op)
    body, content_type = encode({name: token}, form=form)
    return HttpRequest(op.method, url, (("Content-Type", content_type),), body)


def _ok(exchange: Exchange) -> bool:
    return exchange.status is not None and 200 <= exchange.status < 300


def _alike(a: Exchange, b: Exchange) -> bool:
    if a.response is None or b.response is None or a.status != b.status:
        return False
    return similar_at_least(a.response, b.response, SIMILARITY_THRESHOLD)


async def _measure_throttling(
    ctx: Context, op: Operation, slot: tuple[str, str], token: str
) -> tuple[int, Exchange | None]:
    budget = max(0, min(GUESSES, max_attempts(ctx) - 4))
    for tried in range(1, budget + 1):
        exchange = await ctx.send(_ask(ctx, op, slot, _random_like(token)), retry_on_limit=False)
        response = exchange.response
        if response is None or exchange.status in LIMIT_STATUSES or response.header("Retry-After"):
            return tried, exchange
    return budget, None
