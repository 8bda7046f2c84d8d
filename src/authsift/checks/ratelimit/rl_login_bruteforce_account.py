"""rl-login-bruteforce-account (CHECKS.md #39); the user-facing doc is the class docstring."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import ClassVar

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.ratelimit._attempts import (
    BASELINE_FAILURES,
    NIST_BOUND,
    Account,
    AlreadyLimited,
    Guesser,
    LoginForm,
    limit_memo,
    login_form,
    login_lock,
    max_attempts,
    nobody,
    not_a_login,
    record_limit,
    summary,
    throwaway,
)
from authsift.checks.ratelimit._canary import canary_account
from authsift.checks.ratelimit._signals import LIMIT_STATUSES, Signal
from authsift.model import Confidence, Evidence, Family, Finding, Operation, Safety, Severity

QUICK_MINIMUM = 20  # fewer failures than this without a signal decide nothing


@asynccontextmanager
async def _account(ctx: Context, form: LoginForm) -> AsyncIterator[Account]:
    """abuse.account, else a canary the scan signs up (removed afterwards), else a user name
    that does not exist."""
    configured = throwaway(ctx)
    if configured is not None:
        yield configured
        return
    async with canary_account(ctx, form) as canary:
        yield canary or nobody(form)


def _limited_earlier(ctx: Context, key: str) -> bool:
    """True when another rl- check of this scan walked this login to a limit signal (the bypass
    checks run first on a login and leave it limited for its window). Their walk is this check's
    probe, one name from one client until the first signal, so its threshold answers CHECKS.md
    #39 ("SAFE if limited at attempt k ≤ 100") where guessing anew only meets the limit they
    tripped; it is in the report's `rate_limits`."""
    return isinstance(limit_memo(ctx).get(key), Signal)


class RlLoginBruteforceAccount(Check):
    """Unlimited password guessing on one account.

    ## What it checks
    Sends wrong passwords to one account of a login operation, one after another, up to config
    `abuse.max_attempts` (default 100), stopping at the first limit signal: HTTP 429, 423 or
    503, lockout wording, a CAPTCHA demand, growing response delay, an exhausted `RateLimit`
    quota, or a refused connection. The account is the throwaway of config `abuse.account`,
    else a canary the scan signs up through the API's own sign-up (intrusive scans; deleted
    afterwards where the API allows, else reported as a leftover); with either, the correct
    password is tried once at the end, to catch a silent lockout. Without both, it guesses at a
    user name that does not exist and says so. A configured scan identity is never guessed at.

    ## Why it matters
    A login that never slows down lets anyone try a password list against an account: the
    first line of OWASP API2:2023 ("Permits credential stuffing … brute force attacks"). NIST
    800-63B asks for at most 100 consecutive failed attempts per account.

    ## Example
    100 × `POST /auth/login {"username": "throwaway", "password": "Wrong-…"}` → `401` each time,
    then the correct password → `200` with a token.

    ## Remediation
    Count failed logins per account (the normalized user name, whether or not it exists) and per
    client, and answer `429 Too Many Requests` with `Retry-After` once the allowance is spent;
    prefer growing delays and CAPTCHAs over hard lockouts, which let an attacker lock users out.

    ## References
    NIST SP 800-63B §5.2.2 · OWASP ASVS 4.0 V2.2.1 · ASVS 5.0 V6.3.1 · RFC 6585 §4 ·
    OWASP WSTG-ATHN-03 · OWASP API2:2023 · CWE-307

    ## Decision rule
    CHECKS.md #39. Three wrong passwords first (the baseline failure F; inconclusive unless they
    are stable 4xx refusals with no limit signal). Then wrong passwords until a signal of
    CHECKS.md §2 or until `abuse.max_attempts` attempts were sent, the baseline and the final
    correct-password try included. A signal → passed, and the threshold is reported
    ("HTTP 429 after 5 failures in 0.4 s"); so is a login that another rl- check of the scan
    already walked to a limit, with that check's threshold. No signal: high, firm when the
    throwaway or canary account's correct password is still accepted after ≥ 100 failures
    (800-63B §5.2.2: "no more than 100 consecutive failed authentication attempts on a single
    subscriber account"); tentative
    with fewer failures or with a user name that does not exist; inconclusive below 20 failures
    or when the correct password fails without any other signal (wrong `abuse.account`).
    """

    id = "rl-login-bruteforce-account"
    title = "Unlimited password guessing on one account"
    family = Family.RATELIMIT
    severity = Severity.HIGH
    cwe = (307,)
    owasp = "API2:2023"
    safety = Safety.NOISY
    sends_writes: ClassVar[bool] = True
    baselines = "none"
    max_requests = 101

    def applies_to(self, operation: Operation) -> str | None:
        return not_a_login(operation)

    def noisy_range(self, operation: Operation | None, max_attempts: int) -> tuple[int, int]:
        # limited: the baseline meets the limit the bypass checks walked to first, and the walk
        # decides (1-3 measured on the hardened lab, ferry and turnstile); unlimited: every one
        # of max_attempts (100 of 100 on ferry)
        return BASELINE_FAILURES, max_attempts

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        form = login_form(ctx.operation) if ctx.operation else None
        if form is None:
            raise Inconclusive("not a password login operation")
        async with login_lock(ctx, form), _account(ctx, form) as chosen:
            account = chosen
            budget = max_attempts(ctx)
            guesser = Guesser(ctx, form, budget)
            assert ctx.operation is not None
            key = ctx.operation.key
            if account.password is not None:
                first_login = await guesser.attempt(account.username, account.password)
                if not (first_login.status and 200 <= first_login.status < 300):
                    if _limited_earlier(ctx, key) and first_login.status in LIMIT_STATUSES:
                        return  # a limit this scan measured: passed (see rate_limits)
                    if not account.canary:
                        raise Inconclusive(
                            f"abuse.account cannot log in here (HTTP {first_login.status}): "
                            "check it"
                        )
                    account = nobody(form)  # e.g. a sign-up that awaits confirmation
            try:
                watch = await guesser.baseline(account.username)
            except AlreadyLimited:
                if _limited_earlier(ctx, key):
                    return  # a limit this scan measured: passed (see rate_limits)
                raise
            reserve = 1 if account.password is not None else 0
            signal = await guesser.until_limited(watch, account.username, reserve=reserve)
            canary = None
            if signal is None and account.password is not None:
                canary = await guesser.attempt(account.username, account.password)
                signal = watch.correct_refused(canary, time.monotonic())
            if signal is not None:
                record_limit(ctx, key, signal)
                return
            failures = watch.failures
            limit_memo(ctx)[key] = failures
            if failures < QUICK_MINIMUM:
                raise Inconclusive(
                    f"no limit signal in {failures} failures: too few to decide "
                    f"(abuse.max_attempts {budget}; 100 proves the 800-63B bound)"
                )
            proven = account.throwaway and failures >= NIST_BOUND
            evidence = [Evidence("baseline failure F", watch.baseline[0])]
            evidence.append(
                Evidence(
                    f"failure #{failures}, still ordinary", guesser.exchanges[-2 if canary else -1]
                )
            )
            if canary is not None:
                evidence.append(Evidence("the correct password afterwards: accepted", canary))
            bound = (
                f"more than the {NIST_BOUND} NIST 800-63B allows"
                if failures >= NIST_BOUND
                else f"fewer than the {NIST_BOUND} that would prove the 800-63B bound exceeded"
            )
            yield ctx.finding(
                self,
                description=(
                    f"{key} answered {failures} consecutive wrong passwords for one account "
                    "without any limit signal (no 429/423/503, lockout wording, CAPTCHA, growing "
                    f"delay or exhausted quota) — {bound}. Guessed at {account.how}. Answers: "
                    f"{summary(guesser.exchanges)}."
                ),
                evidence=evidence,
                confidence=Confidence.FIRM if proven else Confidence.TENTATIVE,
                details={
                    "failures": failures,
                    "max_attempts": budget,
                    "account": (
                        "canary"
                        if account.canary
                        else "abuse.account"
                        if account.throwaway
                        else "non-existent user name"
                    ),
                    "correct_password_after": None if canary is None else canary.status,
                },
            )
