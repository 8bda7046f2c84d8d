"""rl-bypass-request-variants (CHECKS.md #42); the user-facing doc is the class docstring."""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator, Callable
from typing import ClassVar

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.ratelimit._attempts import (
    BASELINE_FAILURES,
    Variant,
    login_form,
    not_a_login,
    throwaway,
)
from authsift.checks.ratelimit._bypass import STREAK, Limited, reach_limit, try_variant
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

NameVariant = Callable[[int], str]


def _name_forms(name: str) -> list[str]:
    """Five spellings one case-insensitive, space-trimming lookup maps to the same account."""
    local, at, domain = name.partition("@")
    return [
        name.upper(),
        local.capitalize() + at + domain,
        f" {name}",
        f"{name} ",
        "".join(c.upper() if i % 2 else c for i, c in enumerate(name)),
    ]


def _path_forms(path: str) -> dict[str, str]:
    head, _, last = path.rstrip("/").rpartition("/")
    return {
        "a trailing slash": path.rstrip("/") + "/",
        "the path in upper case": path.upper(),
        "a `%2e` segment": f"{head}/%2e/{last}",
        "a doubled slash": f"{head}//{last}",
    }


def _constant(variant: Variant) -> Callable[[int], Variant]:
    return lambda _n: variant


class RlBypassRequestVariants(Check):
    """Login limit evaded by request normalization.

    ## What it checks
    Once a login operation is limited, sends more wrong passwords varying one thing at a time,
    each run followed by an unmodified control: the user name's spelling (case, surrounding
    spaces), the path (trailing slash, upper case, a `%2e` segment, a doubled slash), and the
    body's encoding (JSON ↔ form).

    ## Why it matters
    When the limiter counts the request as typed while the login normalizes it, every spelling
    gets its own allowance: `Alice`, `alice `, `ALICE` are three fresh sets of guesses at one
    account, and `/login/` is a route the limiter never saw.

    ## Example
    After `429` for `alice` on `POST /auth/mobile/login`: `ALICE`, `Alice`, ` alice`,
    `alice `, `aLiCe` → `401` each; the control `alice` → still `429`.

    ## Remediation
    Key every limit on the normalized identity the login itself resolves (the account id), and
    apply the limiter after routing and body parsing, so that every spelling, path form and
    encoding that reaches the login counts against the same allowance.

    ## References
    OWASP API2:2023 · OWASP API4:2023 · ASVS 5.0 V4.3.1 · ASVS 4.0 V13.4.1 · OWASP WSTG-ATHN-03 ·
    CWE-307

    ## Decision rule
    CHECKS.md #42: needs an observed limit (else skipped). A variation whose 5 consecutive
    attempts are answered like the baseline failure F while the following control stays
    limited → high. A user-name spelling is firm when the throwaway `abuse.account` then logs in
    under that spelling (the same account), tentative with a non-existent user name (a
    case-sensitive API would count a different account). A path or encoding variant answered
    otherwise than F (404, 415, 422) is not a bypass. Batching (K guesses in one request) is not
    tested yet.
    """

    id = "rl-bypass-request-variants"
    title = "Login limit evaded by request normalization"
    family = Family.RATELIMIT
    severity = Severity.HIGH
    cwe = (307,)
    owasp = "API2:2023"
    safety = Safety.NOISY
    sends_writes: ClassVar[bool] = True
    baselines = "none"
    max_requests = 100

    def applies_to(self, operation: Operation) -> str | None:
        return not_a_login(operation)

    def noisy_estimate(self, operation: Operation | None, max_attempts: int) -> int:
        limited = BASELINE_FAILURES + 6 + 6 * (1 + STREAK // 2)
        return min(max_attempts, (limited + max_attempts) // 2)

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        op = ctx.operation
        form = login_form(op) if op else None
        if form is None or op is None or op.request_body is None:
            raise Inconclusive("not a password login operation")
        limited = await reach_limit(ctx, form, "variant-")
        forms = _name_forms(limited.username)
        result = await try_variant(limited, lambda n: Variant(), lambda n: forms[n])
        if result is not None:
            confidence = Confidence.TENTATIVE
            note = "a non-existent user name (a case-sensitive API would count another account)"
            if limited.throwaway:
                confidence, note = await self._same_account(ctx, limited, forms[0])
            yield self._finding(ctx, limited, "the user name's spelling", result, confidence, note)
            return
        path = urllib.parse.urlsplit(ctx.url(op.path)).path
        as_form = "x-www-form-urlencoded" in op.request_body.content_type
        variants: dict[str, Variant] = {
            what: Variant(path=changed) for what, changed in _path_forms(path).items()
        }
        variants["the body as " + ("JSON" if as_form else "a form")] = Variant(form=not as_form)
        for what, variant in variants.items():
            if limited.guesser.left < STREAK + 1:
                raise Inconclusive("abuse.max_attempts spent before every variant was tried")
            result = await try_variant(limited, _constant(variant))
            if result is not None:
                yield self._finding(ctx, limited, what, result, Confidence.FIRM, "")
                return

    async def _same_account(
        self, ctx: Context, limited: Limited, spelling: str
    ) -> tuple[Confidence, str]:
        account = limited.guesser
        owner = throwaway(ctx)
        if owner is None or owner.password is None or account.left < 1:
            return Confidence.TENTATIVE, "abuse.account (not re-checked)"
        login = await account.attempt(spelling, owner.password)
        if login.status is not None and 200 <= login.status < 300:
            return Confidence.FIRM, "abuse.account, which logs in under that spelling too"
        return Confidence.TENTATIVE, "abuse.account (that spelling did not log in)"

    def _finding(
        self,
        ctx: Context,
        limited: Limited,
        what: str,
        result: tuple[list[Exchange], Exchange],
        confidence: Confidence,
        note: str,
    ) -> Finding:
        bypassed, control = result
        assert ctx.operation is not None
        return ctx.finding(
            self,
            title=f"Login limit evaded by changing {what}",
            description=(
                f"{ctx.operation.key} was limited ({limited.signal.describe()}), yet {STREAK} "
                f"more wrong passwords with {what} changed were answered as ordinary failures "
                f"while an unmodified control stayed limited. Guessed at {note or 'one name'}."
            ),
            evidence=[
                Evidence("limited", limited.signal.exchange or control),
                Evidence(f"with {what} changed: ordinary failure again", bypassed[-1]),
                Evidence("unmodified control: still limited", control),
            ],
            confidence=confidence,
            details={"variant": what, "limit": limited.signal.describe()},
        )
