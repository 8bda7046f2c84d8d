"""rl-otp-bruteforce (CHECKS.md #44); the user-facing doc is the class docstring."""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from typing import ClassVar

from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._login import EMAIL_FIELD, PASSWORD_FIELD, USER_FIELD, body_fields
from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.checks.ratelimit._attempts import (
    BASELINE_FAILURES,
    NIST_BOUND,
    Guesser,
    max_attempts,
    record_limit,
    summary,
    throwaway,
)
from authsift.checks.ratelimit._forms import encode
from authsift.checks.ratelimit._signals import LimitWatch
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

CODE_FIELD = {
    "code",
    "otp",
    "totp",
    "pin",
    "resetcode",
    "verificationcode",
    "mfacode",
    "onetimecode",
    "passcode",
    "otpcode",
    "smscode",
}
NEW_PASSWORD = {"newpassword", "password", "newpass", "passwordnew"}
QUICK_MINIMUM = 20


def _user_field(op: Operation) -> str | None:
    return next(
        (
            f
            for f in body_fields(op)
            if USER_FIELD.match(normalized_key(f)) or EMAIL_FIELD.match(normalized_key(f))
        ),
        None,
    )


def code_form(op: Operation) -> tuple[str, str] | None:
    """(user field, code field) of an operation that redeems a one-time code for an account."""
    if op.method != "POST" or op.request_body is None:
        return None
    code = next((f for f in body_fields(op) if normalized_key(f) in CODE_FIELD), None)
    user = _user_field(op)
    return (user, code) if code and user else None


def issuing_operation(ctx: Context, confirm: Operation) -> Operation | None:
    """The operation that sends the code: a POST taking the account's name and neither a code
    nor a password, whose path is the redeeming one's parent (or shares its parent)."""
    parent = confirm.path.rstrip("/").rpartition("/")[0]
    best: Operation | None = None
    for op in ctx.operations:
        if op is confirm or op.method != "POST" or op.request_body is None:
            continue
        names = [normalized_key(f) for f in body_fields(op)]
        if _user_field(op) is None or any(n in CODE_FIELD for n in names):
            continue
        if any(PASSWORD_FIELD.match(n) for n in names):
            continue
        if op.path.rstrip("/") == parent:
            return op
        if op.path.rpartition("/")[0] == parent and best is None:
            best = op
    return best


class RlOtpBruteforce(Check):
    """One-time codes guessable without limit.

    ## What it checks
    On an operation that redeems a one-time code for an account (a body with the account's name
    and a `code` / `otp` / `pin` field, such as a password-reset confirmation), asks the
    matching issuing operation for a code for the throwaway account of config `abuse.account`,
    then submits wrong codes up to `abuse.max_attempts`, stopping at the first limit signal.
    Codes are only ever guessed for that account: without it the check does not run.

    ## Why it matters
    A 6-digit code has a million values. Without a failure limit an attacker who can trigger a
    reset for any account tries them all within hours and takes the account over (OWASP
    API2:2023: reset endpoints "should be treated as login endpoints").

    ## Example
    `POST /auth/password-reset {"username": "throwaway"}` → `202`; then 100 ×
    `POST /auth/password-reset/confirm {"username": "throwaway", "code": "NNNNNN", …}` → `400`
    every time, never `429`.

    ## Remediation
    Count wrong codes per issued code and per account; after a handful (5 is common) burn the
    code and make the user request a new one; expire codes within minutes and accept each once.

    ## References
    NIST SP 800-63B §5.2.2 · ASVS 5.0 V6.6.3 · ASVS 5.0 V6.5.1 · ASVS 4.0 V2.7.2 ·
    ASVS 4.0 V2.8.4 · OWASP API2:2023 · CWE-307

    ## Decision rule
    CHECKS.md #44 (step 1; the code itself is unknown to the scanner, so whether it survives
    the failures, is reusable or expires is not tested). 3 wrong codes are the baseline failure
    F (stable 4xx, else inconclusive); then wrong codes until a CHECKS.md §2 signal or
    `abuse.max_attempts`. A signal → passed, with the threshold. None: critical, firm after
    ≥ 100 wrong codes, tentative from 20; inconclusive below 20, or when no code could be
    requested (e.g. the issuing operation demands a solved CAPTCHA). The new password a
    redeeming body needs is the account's own, so a lucky guess changes nothing.
    """

    id = "rl-otp-bruteforce"
    title = "One-time codes guessable without limit"
    family = Family.RATELIMIT
    severity = Severity.CRITICAL
    cwe = (307, 640)
    owasp = "API2:2023"
    safety = Safety.NOISY
    sends_writes: ClassVar[bool] = True
    needs = frozenset({"abuse_account"})
    baselines = "none"
    max_requests = 101

    def applies_to(self, operation: Operation) -> str | None:
        return None if code_form(operation) else "redeems no one-time code"

    def noisy_range(self, operation: Operation | None, max_attempts: int) -> tuple[int, int]:
        # throttled: the code request, the baseline and the guesses to the limit; unthrottled:
        # every guess of max_attempts
        return BASELINE_FAILURES + 5, max_attempts

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        op = ctx.operation
        fields = code_form(op) if op else None
        if op is None or fields is None:
            raise Inconclusive("redeems no one-time code")
        account = throwaway(ctx)
        if account is None or account.password is None:  # the plan skips it before
            raise NotApplicable("needs abuse.account: codes are guessed only for a throwaway")
        issuing = issuing_operation(ctx, op)
        if issuing is None:
            raise Inconclusive("no operation found that sends the code")
        user_field, code_field = fields
        budget = max_attempts(ctx)
        issue_user = _user_field(issuing)
        assert issue_user is not None
        issued = await ctx.send(
            encode(ctx.build(issuing), issuing, {issue_user: account.username}),
            retry_on_limit=False,
        )
        if not (issued.status and 200 <= issued.status < 300):
            raise Inconclusive(
                f"{issuing.key} did not issue a code for abuse.account (HTTP {issued.status})"
            )
        guesser = Guesser(ctx, None, budget - 1)  # the issuing request counts too
        sent = guesser.exchanges

        async def guess() -> Exchange:
            extra = {
                f: account.password
                for f in body_fields(op)
                if normalized_key(f) in NEW_PASSWORD and f != code_field
            }
            values = {user_field: account.username, code_field: _wrong_code(), **extra}
            request: HttpRequest = encode(ctx.build(op), op, values)
            return await guesser.send(request)

        baseline = [await guess() for _ in range(BASELINE_FAILURES)]
        statuses = {e.status for e in baseline}
        if len(statuses) != 1 or not all(400 <= (s or 0) < 500 for s in statuses):
            raise Inconclusive(f"wrong codes are not refused consistently ({summary(baseline)})")
        watch = LimitWatch(baseline, started=time.monotonic())
        if any(watch.classify(e)[0] or e.status in (429, 423) for e in baseline):
            raise Inconclusive("already limited before the probe")
        while guesser.left > 0:
            signal = watch.observe(await guess(), time.monotonic())
            if signal is not None:
                record_limit(ctx, op.key, signal)
                return
        failures = watch.failures
        if failures < QUICK_MINIMUM:
            raise Inconclusive(f"no limit signal in {failures} wrong codes: too few to decide")
        yield ctx.finding(
            self,
            description=(
                f"{op.key} answered {failures} wrong codes for one issued code without any "
                f"limit signal. The code was issued by {issuing.key} to abuse.account. "
                f"Answers: {summary(sent)}. (Whether the right code still works afterwards "
                "could not be tested: the scanner cannot read the account's mail.)"
            ),
            evidence=[
                Evidence("code issued", issued),
                Evidence("baseline wrong code", baseline[0]),
                Evidence(f"wrong code #{failures}, still ordinary", sent[-1]),
            ],
            confidence=Confidence.FIRM if failures >= NIST_BOUND else Confidence.TENTATIVE,
            details={"failures": failures, "max_attempts": budget, "issuing": issuing.key},
        )


def _wrong_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"
