"""rl-bypass-request-variants (CHECKS.md #42); the user-facing doc is the class docstring."""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator, Callable
from typing import ClassVar

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.ratelimit._attempts import (
    Variant,
    login_form,
    login_lock,
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
    limited → high. With the throwaway `abuse.account`, the variant counts only when the
    account's correct password then logs in through it too (the same account, really evaluated:
    firm); with a non-existent user name it is tentative (a case-sensitive API would count a
    different account; a body the login cannot parse may answer like F). A variant answered
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

    def noisy_range(self, operation: Operation | None, max_attempts: int) -> tuple[int, int]:
        # throttled: the limit again, then a streak per variant (15 on ferry hardened, ~17 per
        # login on turnstile); unthrottled: none, the forwarded-header check already saw no
        # limit there and remembered it (0 on ferry)
        return min(max_attempts, 16), 0

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        op = ctx.operation
        form = login_form(op) if op else None
        if form is None or op is None or op.request_body is None:
            raise Inconclusive("not a password login operation")
        async with login_lock(ctx, form):
            limited = await reach_limit(ctx, form, "variant-")
            names = _name_forms(limited.username)
            path = urllib.parse.urlsplit(ctx.url(op.path)).path
            as_form = "x-www-form-urlencoded" in op.request_body.content_type
            candidates: list[tuple[str, Callable[[int], Variant], NameVariant | None]] = [
                ("the user name's spelling", _constant(Variant()), lambda n: names[n])
            ]
            for what, changed in _path_forms(path).items():
                candidates.append((what, _constant(Variant(path=changed)), None))
            encoding = "the body as " + ("JSON" if as_form else "a form")
            candidates.append((encoding, _constant(Variant(form=not as_form)), None))
            for what, variant, name in candidates:
                if limited.guesser.left < STREAK + 1:
                    raise Inconclusive("abuse.max_attempts spent before every variant was tried")
                result = await try_variant(limited, variant, name)
                if result is None:
                    continue
                if not limited.throwaway:
                    note = (
                        "a non-existent user name: whether the variant reaches the same account "
                        "(and is evaluated at all) could not be checked"
                    )
                    yield self._finding(ctx, limited, what, result, Confidence.TENTATIVE, note)
                    return
                spelling = name(0) if name else limited.username
                if await self._logs_in(ctx, limited, spelling, variant(0)):
                    note = "abuse.account, whose correct password logs in through the variant too"
                    yield self._finding(ctx, limited, what, result, Confidence.FIRM, note)
                    return

    async def _logs_in(
        self, ctx: Context, limited: Limited, spelling: str, variant: Variant
    ) -> bool:
        """The throwaway account's correct password through the variant is accepted: the
        variant reaches the same account and its guesses are really evaluated."""
        owner = throwaway(ctx)
        if owner is None or owner.password is None or limited.guesser.left < 1:
            return False
        login = await limited.guesser.attempt(spelling, owner.password, variant)
        return login.status is not None and 200 <= login.status < 300

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
