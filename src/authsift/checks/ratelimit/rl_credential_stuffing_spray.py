"""rl-credential-stuffing-spray (CHECKS.md #40); the user-facing doc is the class docstring."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import ClassVar

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.ratelimit._attempts import (
    BASELINE_FAILURES,
    Guesser,
    limit_memo,
    login_form,
    login_lock,
    max_attempts,
    nobody,
    not_a_login,
    record_limit,
    summary,
    throwaway,
    wrong_password,
)
from authsift.checks.ratelimit._signals import Signal
from authsift.model import Confidence, Evidence, Family, Finding, Operation, Safety, Severity

PASSWORDS_PER_NAME = 2
QUICK_MINIMUM = 20


class RlCredentialStuffingSpray(Check):
    """No client-level velocity control across many accounts.

    ## What it checks
    From one client, sends failed logins spread over many user names (two passwords each, the
    names under the RFC 2606 `example.com` domain, plus the throwaway `abuse.account` if one is
    configured) up to `abuse.max_attempts`, stopping at the first limit signal. A per-account
    limit never trips here: only a limit on the client, or on the login as a whole, does.

    ## Why it matters
    Credential stuffing and password spraying try one or two passwords on each of thousands of
    accounts, so a per-account counter never fires. OWASP API2:2023 lists "Permits credential
    stuffing" first among broken-authentication flaws.

    ## Example
    50 names × 2 passwords on `POST /auth/login` from one address → 100 × `401`, no 429.

    ## Remediation
    Also count failures per client (address, device, session) and across the login as a whole;
    answer 429 with `Retry-After`, add CAPTCHAs or risk-based checks when the failure rate
    climbs, and screen passwords against breach corpora.

    ## References
    OWASP API2:2023 · OWASP WSTG-ATHN-03 · ASVS 5.0 V6.3.1 · NIST SP 800-63B §5.2.2 · CWE-307

    ## Decision rule
    CHECKS.md #40: the baseline failure F is 3 wrong passwords on fresh names; then two wrong
    passwords per fresh name until a CHECKS.md §2 signal or `abuse.max_attempts`. A signal →
    passed (the threshold is reported). None after ≥ 20 attempts → medium (high when
    rl-login-bruteforce-account found no per-account limit on the same operation either),
    tentative below 100 attempts. The tool cannot rotate real source addresses: distributed
    attacks are covered only through rl-bypass-forwarded-headers.
    """

    id = "rl-credential-stuffing-spray"
    title = "No client-level velocity control across many accounts"
    family = Family.RATELIMIT
    severity = Severity.MEDIUM
    cwe = (307,)
    owasp = "API2:2023"
    safety = Safety.NOISY
    sends_writes: ClassVar[bool] = True
    baselines = "none"
    max_requests = 100

    def applies_to(self, operation: Operation) -> str | None:
        return not_a_login(operation)

    def noisy_range(self, operation: Operation | None, max_attempts: int) -> tuple[int, int]:
        # limited: a fifth of max_attempts on average, few where a client-wide limit is
        # already spent (11 and 31 of 100 on the hardened lab and ferry, 6 of 30 on turnstile);
        # unlimited: all of them (100 of 100 on ferry)
        return max(BASELINE_FAILURES + 4, max_attempts // 5), max_attempts

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        form = login_form(ctx.operation) if ctx.operation else None
        if form is None or ctx.operation is None:
            raise Inconclusive("not a password login operation")
        async with login_lock(ctx, form, last=True):
            budget = max_attempts(ctx)
            guesser = Guesser(ctx, form, budget)
            watch = await guesser.baseline(nobody(form, "spray-").username)
            names = []
            account = throwaway(ctx)
            if account is not None:
                names.append(account.username)
            signal: Signal | None = None
            while guesser.left > 0 and signal is None:
                name = names.pop(0) if names else nobody(form, "spray-").username
                for _ in range(min(PASSWORDS_PER_NAME, guesser.left)):
                    exchange = await guesser.attempt(name, wrong_password())
                    signal = watch.observe(exchange, time.monotonic())
                    if signal is not None:
                        break
            key = ctx.operation.key
            if signal is not None:
                record_limit(ctx, key + " (across accounts)", signal)
                return
            failures = watch.failures
            if failures < QUICK_MINIMUM:
                raise Inconclusive(f"no limit signal in {failures} failures: too few to decide")
            per_account = limit_memo(ctx).get(key)
            unlimited = isinstance(per_account, int)
            yield ctx.finding(
                self,
                description=(
                    f"{key} answered {failures} failed logins from one client, spread over "
                    f"{failures // PASSWORDS_PER_NAME} user names, without any limit signal. "
                    + (
                        "rl-login-bruteforce-account found no per-account limit either. "
                        if unlimited
                        else ""
                    )
                    + f"Answers: {summary(guesser.exchanges)}."
                ),
                evidence=[
                    Evidence("baseline failure F", watch.baseline[0]),
                    Evidence(f"failure #{failures}, still ordinary", guesser.exchanges[-1]),
                ],
                severity=Severity.HIGH if unlimited else None,
                confidence=Confidence.FIRM if failures >= 100 else Confidence.TENTATIVE,
                details={"failures": failures, "max_attempts": budget},
            )
