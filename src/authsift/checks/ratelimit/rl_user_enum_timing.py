"""rl-user-enum-timing (CHECKS.md #46); the user-facing doc is the class docstring."""

from __future__ import annotations

import asyncio
import ipaddress
import random
import secrets
import statistics
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

from scipy.stats import mannwhitneyu

from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.checks.ratelimit._enum_targets import (
    Endpoint,
    endpoint_for,
    fresh_name,
    kind_of,
    max_attempts,
    one_at_a_time,
    throwaway,
)
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

P_VALUE = 0.001  # Mann-Whitney U, two-sided
MIN_DELTA = 0.015  # seconds between the medians, loopback and remote alike
MEDIUM_DELTA = 0.100  # CHECKS.md §2: medium from 100 ms
IQR_FACTOR = 5  # a spread over 5 x the difference is noise, not a signal
SAMPLES = 30  # per kind and batch (fewer when abuse.max_attempts is lower)
MIN_SAMPLES = 10
WARM_UP = 3
LIMIT_STATUSES = frozenset({423, 429, 503})
_LOCK = "ratelimit.timing_lock"


@dataclass(frozen=True, slots=True)
class Batch:
    existing: tuple[float, ...]
    absent: tuple[float, ...]
    p_value: float
    delta: float  # median(existing) - median(absent), seconds
    spread: float  # the larger interquartile range of the two kinds
    last_existing: Exchange
    last_absent: Exchange

    @property
    def significant(self) -> bool:
        return self.p_value < P_VALUE and abs(self.delta) >= MIN_DELTA

    @property
    def noisy(self) -> bool:
        return self.spread > IQR_FACTOR * abs(self.delta)


class UserEnumTiming(Check):
    """Account existence revealed by how long a failed login takes.

    ## What it checks
    Times failed logins for an existing account (the `abuse.account` throwaway, with wrong
    passwords) and for fresh non-existent names of the same shape, in random interleaved order
    on each login pathway, and compares the two sets of response times with a rank test.

    ## Why it matters
    A login that hashes the password only when the account exists answers unknown names
    faster, often by tens of milliseconds: enough to list valid accounts from afar, even when
    every message and status is the same.

    ## Example
    `POST /auth/login`: a wrong password for the throwaway takes a median 27 ms, an unknown name
    2 ms (Mann-Whitney U p = 1e-17, reproduced in a second batch).

    ## Remediation
    Do the same work for unknown accounts: verify the password against a dummy hash of the same
    algorithm and cost, and avoid early returns on lookups that depend on account existence.

    ## References
    OWASP ASVS 5.0 V6.3.8 ("different response times") · OWASP WSTG-IDNT-04 · CWE-208

    ## Decision rule
    CHECKS.md #46. Three warm-up requests, then a batch of n existing and n non-existent
    samples in random interleaved order, each on a fresh connection (`Connection: close`: on
    a kept-alive connection a server that writes its answer in two segments waits out the
    client's ~40 ms delayed ACK on some answers only, noise larger than the signal; the
    handshake a fresh connection adds is the same for both kinds). n = 30, or fewer so that
    both batches and the warm-up stay within `abuse.max_attempts` (under 10: inconclusive).
    Significant when the two-sided Mann-Whitney U test (scipy) gives p < 0.001 **and** the
    medians differ by at least 15 ms; a significant batch is repeated once and must agree in
    direction. Inconclusive when the larger interquartile range exceeds 5 x the difference, or
    on any limit signal (429, 423, 503, Retry-After). Thresholds: 15 ms on loopback and on
    remote targets alike; loopback jitter is well under 1 ms, while a remote path adds several
    ms of jitter that widens the spread: the rank test and the spread guard absorb it, and a
    remote difference under 15 ms is not reported even when significant (a remote attacker
    cannot use it reliably).
    Lockout safety: the existing account is the `abuse.account` throwaway only; a configured
    identity never receives these failures (without a throwaway: inconclusive). Low; medium
    from 100 ms.
    """

    id = "rl-user-enum-timing"
    title = "Account existence revealed by response time"
    family = Family.RATELIMIT
    severity = Severity.LOW
    cwe = (208,)
    owasp = "API2:2023"
    safety = Safety.NOISY
    exclusive = True  # alone at the end of the scan: other traffic blurs the timings
    sends_writes = True
    baselines = "none"
    max_requests = WARM_UP + 4 * SAMPLES
    expected_requests = WARM_UP + 4 * 24

    def applies_to(self, operation: Operation) -> str | None:
        return None if kind_of(operation) == "login" else "not a login endpoint"

    def noisy_range(self, operation: Operation | None, max_attempts: int) -> tuple[int, int]:
        size = batch_size(max_attempts)
        if size < MIN_SAMPLES:
            return 0, 0
        # throttled: a 429 ends the timing at once (1 on ferry hardened); unthrottled: one batch
        # where nothing differs (51 on ferry), two where something does: the mean of the two
        return WARM_UP, WARM_UP + 3 * size

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        op = ctx.operation
        endpoint = endpoint_for(ctx, op) if op is not None else None
        if endpoint is None or endpoint.kind != "login":
            raise NotApplicable("not a login endpoint")
        # One timing run at a time per scan: two login pathways timed at once slow each other.
        lock = ctx.shared.setdefault(_LOCK, asyncio.Lock())
        async with lock, one_at_a_time(ctx, op):
            async for finding in self._time(ctx, endpoint):
                yield finding

    async def _time(self, ctx: Context, endpoint: Endpoint) -> AsyncIterator[Finding]:
        account = throwaway(ctx)
        if account is None:
            raise Inconclusive(
                "needs abuse.account (a throwaway): timing an existing account takes dozens of "
                "failed logins, never sent to a configured identity"
            )
        size = batch_size(max_attempts(ctx))
        if size < MIN_SAMPLES:
            raise Inconclusive(f"abuse.max_attempts leaves {size} samples per kind (< 10)")
        for _ in range(WARM_UP):
            await _timed(ctx, endpoint, fresh_name(account))
        first = await _batch(ctx, endpoint, account, size)
        if not first.significant:
            return
        if first.noisy:
            raise Inconclusive(_spread_text(first))
        second = await _batch(ctx, endpoint, account, size)
        if not second.significant or (second.delta > 0) != (first.delta > 0):
            raise Inconclusive(
                f"a {first.delta * 1000:.0f} ms difference (p = {first.p_value:.1e}) did not "
                f"reproduce (second batch: {second.delta * 1000:.0f} ms, p = "
                f"{second.p_value:.1e})"
            )
        if second.noisy:
            raise Inconclusive(_spread_text(second))
        yield _finding(self, ctx, endpoint, first, second)


async def _timed(ctx: Context, endpoint: Endpoint, name: str) -> Exchange:
    request = endpoint.request(name)
    # A fresh connection per sample: on a kept-alive one, a server that writes its answer in
    # two segments waits out the client's delayed ACK (~40 ms) on some answers and not others,
    # noise far larger than the differences measured here.
    request = replace(request, headers=(*request.headers, ("Connection", "close")))
    exchange = await ctx.send(request, retry_on_limit=False)
    response = exchange.response
    if response is None:
        raise Inconclusive(f"{endpoint.key}: {exchange.error or 'no response'}")
    if response.status in LIMIT_STATUSES or response.header("Retry-After"):
        raise Inconclusive(f"{endpoint.key} answered {response.status}: rate limiting interferes")
    return exchange


async def _batch(ctx: Context, endpoint: Endpoint, account: str, size: int) -> Batch:
    order = [True] * size + [False] * size
    random.Random(secrets.randbits(64)).shuffle(order)
    existing: list[float] = []
    absent: list[float] = []
    last: dict[bool, Exchange] = {}
    for is_existing in order:
        exchange = await _timed(ctx, endpoint, account if is_existing else fresh_name(account))
        assert exchange.response is not None
        (existing if is_existing else absent).append(exchange.response.elapsed)
        last[is_existing] = exchange
    p_value = float(mannwhitneyu(existing, absent, alternative="two-sided").pvalue)
    delta = statistics.median(existing) - statistics.median(absent)
    spread = max(_iqr(existing), _iqr(absent))
    return Batch(tuple(existing), tuple(absent), p_value, delta, spread, last[True], last[False])


def batch_size(max_attempts: int) -> int:
    """Samples per kind and batch: both batches and the warm-up within `abuse.max_attempts`."""
    return min(SAMPLES, (max_attempts - WARM_UP) // 4)


def _iqr(values: list[float]) -> float:
    quartiles = statistics.quantiles(values, n=4)
    return quartiles[2] - quartiles[0]


def _spread_text(batch: Batch) -> str:
    return (
        f"the response times spread over {batch.spread * 1000:.0f} ms, more than {IQR_FACTOR} x "
        f"the {abs(batch.delta) * 1000:.0f} ms difference: too noisy to decide"
    )


def is_loopback(target: str) -> bool:
    host = urllib.parse.urlsplit(target).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _finding(
    check: UserEnumTiming, ctx: Context, endpoint: Endpoint, first: Batch, second: Batch
) -> Finding:
    faster = "non-existent" if first.delta > 0 else "existing"
    delta_ms = min(abs(first.delta), abs(second.delta)) * 1000
    medians = (
        f"median {statistics.median(first.existing) * 1000:.1f} ms for the existing account, "
        f"{statistics.median(first.absent) * 1000:.1f} ms for non-existent names"
    )
    return ctx.finding(
        check,
        description=(
            f"{endpoint.key} answers {faster} accounts faster: {medians} "
            f"({len(first.existing)} + {len(first.absent)} interleaved samples, Mann-Whitney U "
            f"p = {first.p_value:.1e}); a second batch agreed ({second.delta * 1000:.1f} ms, "
            f"p = {second.p_value:.1e}). Status and body may be identical: the time alone tells "
            "which accounts exist."
        ),
        evidence=[
            Evidence("failed login, existing account", first.last_existing),
            Evidence("failed login, non-existent account", first.last_absent),
        ],
        confidence=Confidence.FIRM,
        severity=Severity.MEDIUM if delta_ms >= MEDIUM_DELTA * 1000 else Severity.LOW,
        reproduce=first.last_absent,
        details={
            "endpoint": endpoint.key,
            "delta_ms": [round(first.delta * 1000, 1), round(second.delta * 1000, 1)],
            "p_value": [first.p_value, second.p_value],
            "samples_per_kind": len(first.existing),
            "loopback": is_loopback(ctx.facts.target),
        },
    )
