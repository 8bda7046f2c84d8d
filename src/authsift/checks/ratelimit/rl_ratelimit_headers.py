"""rl-ratelimit-headers (CHECKS.md #49); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.checks.ratelimit._enum_targets import (
    Endpoint,
    endpoint_for,
    fresh_name,
    kind_of,
    max_attempts,
    one_at_a_time,
)
from authsift.checks.ratelimit._ratelimit_fields import Reading, read, retry_after_problem
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    Operation,
    Safety,
    Severity,
)

WALK = 30  # at most this many requests to reach an advertised limit
AFTER_ZERO = 5  # CHECKS.md #49: ≥ 5 answers that are not limited after r=0: not enforced
LIMIT_STATUSES = frozenset({429, 503})


class RateLimitHeaders(Check):
    """Rate-limit signalling malformed, inconsistent or not enforced; 429 without Retry-After.

    ## What it checks
    On each login pathway, sends failed logins for a non-existent name and reads the rate-limit
    signalling of every answer: the IETF `RateLimit` and `RateLimit-Policy` fields, the legacy
    `RateLimit-Limit/-Remaining/-Reset` and `X-RateLimit-*` headers, and `Retry-After` on 429
    and 503. When the answers advertise a small remaining allowance, it follows the count down
    to zero to see whether the limit is enforced and how the refusal is signalled.

    ## Why it matters
    Clients and gateways back off by these fields. Malformed fields are ignored or misread
    (retry storms, or clients that stop for good); a limit that is advertised but not enforced
    misleads the operators who rely on it; a 429 without `Retry-After` leaves every client to
    guess, and the usual guess is "retry now".

    ## Example
    `POST /auth/mobile/login` answers `RateLimit: limit=20, remaining=19, reset=60` (draft-03
    parameters under the final field name, not a Structured Field list) and its 429 carries no
    `Retry-After`.

    ## Remediation
    Emit `RateLimit-Policy: "name";q=<quota>;w=<window>` and `RateLimit: "name";r=<remaining>;
    t=<seconds>` as RFC 9651 Structured Fields, keep legacy headers numeric and consistent,
    refuse with 429 once `r` reaches 0, and send `Retry-After` (delay-seconds) with every 429.

    ## References
    draft-ietf-httpapi-ratelimit-headers-10 (RateLimit-Policy, RateLimit, Server Behavior) ·
    RFC 9651 · RFC 6585 §4 · RFC 9110 §10.2.3 · OWASP API4:2023 · CWE-770

    ## Decision rule
    CHECKS.md #49. Low when a field is malformed (RL-draft: a List of String-named items;
    `q` and `r` required non-negative Integers, `w` a positive Integer, `t` a non-negative
    Integer; legacy headers non-negative integers, remaining ≤ limit), or when 5 answers after
    `r=0` are not limited (a remaining count that grows is not judged: a sliding window, and
    other clients' traffic, make it grow legitimately); info for a 429 or 503 without a
    usable `Retry-After` ("a 429 MAY include Retry-After", RFC 6585 §4; RFC 9110 §10.2.3:
    delay-seconds or an HTTP-date). The walk to the limit runs only when the answers advertise
    at most 30 remaining, stays within `abuse.max_attempts`, and uses a fresh non-existent name
    per attempt, so no account is ever locked (the scanner's own client may be throttled for the
    advertised window). No finding when the endpoint sends no signalling at all: the absence of
    throttling is the brute-force checks' question.
    """

    id = "rl-ratelimit-headers"
    title = "Rate-limit signalling malformed or not enforced"
    family = Family.RATELIMIT
    severity = Severity.LOW
    cwe = (770,)
    owasp = "API4:2023"
    safety = Safety.NOISY
    sends_writes = True
    baselines = "none"
    max_requests = 1 + WALK
    expected_requests = 8  # measured: 1-2 where a limit is already reached, ~20 on a walk

    def applies_to(self, operation: Operation) -> str | None:
        return None if kind_of(operation) == "login" else "not a login endpoint"

    def noisy_range(self, operation: Operation | None, max_attempts: int) -> tuple[int, int]:
        # one failed login where nothing is signalled (the unthrottled logins measured); a walk
        # down an advertised allowance where something is (21 on ferry hardened)
        return min(self.expected_requests or 1, max_attempts), 1

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        op = ctx.operation
        endpoint = endpoint_for(ctx, op) if op is not None else None
        if endpoint is None or endpoint.kind != "login":
            raise NotApplicable("not a login endpoint")
        async with one_at_a_time(ctx, op):
            first = await _attempt(ctx, endpoint)
            reading = _reading(first)
            if not reading.signalled and first.status not in LIMIT_STATUSES:
                return
            issues: list[tuple[Severity, str]] = [(Severity.LOW, p) for p in reading.problems]
            evidence = [Evidence("first failed login", first)]
            evidence.extend(await _walk(ctx, endpoint, first, reading, issues))
        if not issues:
            return
        worst = min(issues, key=lambda issue: _RANK[issue[0]])[0]
        unique = list(dict.fromkeys(text for _, text in issues))
        yield ctx.finding(
            self,
            title=None if worst is Severity.LOW else "429 without Retry-After",
            description=f"{endpoint.key}: " + "; ".join(unique) + ".",
            evidence=evidence,
            confidence=Confidence.CERTAIN,
            severity=worst,
            reproduce=first,
            details={"issues": unique, "fields": reading.fields},
        )


_RANK = {Severity.LOW: 0, Severity.INFO: 1}


async def _attempt(ctx: Context, endpoint: Endpoint) -> Exchange:
    exchange = await ctx.send(endpoint.request(fresh_name("nobody")), retry_on_limit=False)
    if exchange.response is None:
        raise Inconclusive(f"{endpoint.key}: {exchange.error or 'no response'}")
    return exchange


def _reading(exchange: Exchange) -> Reading:
    assert exchange.response is not None
    return read(exchange.response)


async def _walk(
    ctx: Context,
    endpoint: Endpoint,
    first: Exchange,
    reading: Reading,
    issues: list[tuple[Severity, str]],
) -> list[Evidence]:
    """Follow an advertised allowance down to zero (bounded); record what goes wrong."""
    budget = min(WALK, max_attempts(ctx) - 1)
    remaining = reading.remaining
    exchange = first
    if first.status in LIMIT_STATUSES:
        return _refusal(first, reading, issues)
    if remaining is None or remaining > budget - AFTER_ZERO:
        return []
    unlimited_after_zero = 0
    sent = 0
    while sent < budget:
        exchange = await _attempt(ctx, endpoint)
        sent += 1
        current = _reading(exchange)  # its format problems are the first answer's again
        if exchange.status in LIMIT_STATUSES:
            refused = Evidence(f"refused after {sent} more attempts", exchange)
            return [refused, *_refusal(exchange, current, issues, shown=False)]
        if remaining == 0:
            unlimited_after_zero += 1
            if unlimited_after_zero >= AFTER_ZERO:
                issues.append(
                    (
                        Severity.LOW,
                        f"the limit is advertised but not enforced: {AFTER_ZERO} answers "
                        f"{exchange.status} after remaining reached 0",
                    )
                )
                return [Evidence("still answered after remaining 0", exchange)]
        remaining = current.remaining if current.remaining is not None else remaining
    return []


def _refusal(
    exchange: Exchange,
    reading: Reading,
    issues: list[tuple[Severity, str]],
    *,
    shown: bool = True,
) -> list[Evidence]:
    assert exchange.response is not None
    problem = retry_after_problem(exchange.response)
    if problem is not None:
        issues.append((Severity.INFO, problem))
    retry = exchange.response.header("Retry-After") or ""
    if retry.strip().isdigit() and reading.reset is not None and int(retry) < reading.reset:
        issues.append(
            (
                Severity.LOW,
                f"Retry-After {retry} is earlier than the advertised reset t={reading.reset}",
            )
        )
    return [Evidence("refused", exchange)] if shown else []
