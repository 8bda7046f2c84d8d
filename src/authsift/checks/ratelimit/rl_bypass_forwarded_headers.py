"""rl-bypass-forwarded-headers (CHECKS.md #41); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import ClassVar

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.ratelimit._attempts import (
    Variant,
    login_form,
    login_lock,
    not_a_login,
)
from authsift.checks.ratelimit._bypass import STREAK, reach_limit, try_variant
from authsift.model import Confidence, Evidence, Family, Finding, Operation, Safety, Severity

# One header at a time (CHECKS.md §2); values from the RFC 5737 documentation ranges.
HEADERS = (
    ("X-Forwarded-For", "{ip}"),
    ("X-Forwarded-For", "{ip}, 198.51.100.7"),
    ("X-Real-IP", "{ip}"),
    ("Forwarded", "for={ip}"),
    ("X-Client-IP", "{ip}"),
    ("True-Client-IP", "{ip}"),
    ("CF-Connecting-IP", "{ip}"),
)


def _address(header: int, n: int) -> str:
    return f"203.0.113.{1 + header * STREAK + n}"


class RlBypassForwardedHeaders(Check):
    """Login limit keyed on a spoofable client-IP header.

    ## What it checks
    Once a login operation is limited (wrong passwords until the first limit signal), sends
    more wrong passwords each carrying one client-address header with a fresh RFC 5737 value
    per request — `X-Forwarded-For` (single and list form), `X-Real-IP`, `Forwarded: for=`,
    `X-Client-IP`, `True-Client-IP`, `CF-Connecting-IP` — followed by an unmodified control.

    ## Why it matters
    A limiter that trusts a header the client controls limits nobody: an attacker sends a new
    address with every guess and gets a fresh allowance each time, turning a throttled login
    back into an unlimited one (CWE-348).

    ## Example
    After `429` on `POST /auth/mobile/login`, five attempts with `X-Forwarded-For: 203.0.113.N`
    → `401` each (ordinary failures); the control without the header → still `429`.

    ## Remediation
    Key limits on the TCP peer, or on the address a trusted proxy appends (the right-most
    untrusted entry), never on a header a client can set; count per account as well.

    ## References
    RFC 7239 §5.2 · RFC 9700 §4.13 · ASVS 5.0 V4.1.3 · ASVS 4.0 V14.5.4 · CWE-348 ·
    OWASP API2:2023

    ## Decision rule
    CHECKS.md #41: needs an observed limit (else skipped: nothing to bypass). With header H,
    5 consecutive attempts answered like the baseline failure F while the control that follows
    stays limited → high. The limit persists → passed. The control no longer limited (the
    window expired) → inconclusive. Attempts count towards `abuse.max_attempts`.
    """

    id = "rl-bypass-forwarded-headers"
    title = "Login limit keyed on a spoofable client-IP header"
    family = Family.RATELIMIT
    severity = Severity.HIGH
    cwe = (348, 307)
    owasp = "API2:2023"
    safety = Safety.NOISY
    sends_writes: ClassVar[bool] = True
    baselines = "none"
    max_requests = 100

    def applies_to(self, operation: Operation) -> str | None:
        return not_a_login(operation)

    def noisy_range(self, operation: Operation | None, max_attempts: int) -> tuple[int, int]:
        # throttled: reaching the limit (~3 + k), then one or two tries per header (25 on ferry
        # hardened, ~20 per login on turnstile); unthrottled: the walk to no limit, all but the
        # reserve for the headers (80 of 100 on ferry; it runs before the other rl- checks of a
        # login, which then know there is no limit and do not walk again)
        return min(max_attempts, 22), max(0, max_attempts - 4 * STREAK)

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        form = login_form(ctx.operation) if ctx.operation else None
        if form is None or ctx.operation is None:
            raise Inconclusive("not a password login operation")
        async with login_lock(ctx, form):
            limited = await reach_limit(ctx, form, "xff-")
            for index, (header, template) in enumerate(HEADERS):
                if limited.guesser.left < STREAK + 1:
                    raise Inconclusive("abuse.max_attempts spent before every header was tried")

                def variant(
                    n: int, header: str = header, template: str = template, index: int = index
                ) -> Variant:
                    value = template.format(ip=_address(index, n))
                    return Variant(headers=((header, value),))

                result = await try_variant(limited, variant)
                if result is None:
                    continue
                bypassed, control = result
                yield ctx.finding(
                    self,
                    description=(
                        f"{ctx.operation.key} was limited ({limited.signal.describe()}), yet "
                        f"{STREAK} more wrong passwords each with a fresh `{header}` value were "
                        "answered as ordinary failures while an unmodified control stayed "
                        f"limited: the limiter trusts `{header}`. Guessed at "
                        + ("abuse.account." if limited.throwaway else "a non-existent user name.")
                    ),
                    evidence=[
                        Evidence("limited", limited.signal.exchange or control),
                        Evidence(f"with {header}: ordinary failure again", bypassed[-1]),
                        Evidence("control without the header: still limited", control),
                    ],
                    confidence=Confidence.FIRM,
                    details={"header": header, "limit": limited.signal.describe()},
                )
                return
