"""token-not-revoked-on-password-change (CHECKS.md #33); the user-facing doc is the class
docstring."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, CoveredElsewhere, Inconclusive
from authsift.checks.lifecycle._canary import (
    accepted,
    canary_pair,
    change_request,
    cleanup,
    hide_tokens,
    password_change_operation,
    refused,
    relogin,
)
from authsift.checks.lifecycle._lifetime import claims_of, human_duration
from authsift.model import Confidence, Evidence, Family, Finding, Safety, Severity

_WINDOW = 60.0  # CHECKS.md §2: a revocation must take effect within 60 s


class TokenNotRevokedOnPasswordChange(Check):
    """Other sessions survive a password change.

    ## What it checks
    Signs up a canary account of its own (never a configured identity), logs it in twice —
    sessions S1 and S2 — and changes the canary's password through S1 with the API's own
    password-change operation. S2's access token is then replayed on the operation that shows
    the caller's own account, at once and again 60 s later. The canary is deleted afterwards
    where the API allows it.

    ## Why it matters
    Changing the password is what a user does when they fear someone else is in their account.
    If the other sessions live on, the intruder keeps access however often the password
    changes (ASVS 5.0 V7.4.3).

    ## Example
    `PUT /me/password` through S1 → `200`; `GET /me` with S2's token 60 s later → `200` with the
    account.

    ## Remediation
    On a password change, end every other session of the account: revoke its refresh tokens
    and reject access tokens issued before the change (a per-account "valid after" time or
    token version checked on every request).

    ## References
    ASVS 5.0 V7.4.3 · ASVS 4.0 V3.3.3 · RFC 9700 §4.14.2 · CWE-613

    ## Decision rule
    CHECKS.md #33 and §2 ("rejected by 60 s pass"): a finding when S2's token is still accepted
    (2xx with the canary's own account, reproduced with anonymous controls refused) 60 s after
    the change was accepted; safe when refused by then. Severity medium, low when S2's token
    expires within 15 minutes anyway, high when it lives more than a day or never expires (the
    remaining lifetime is what makes it matter). Inconclusive without a sign-up operation, a
    password-change operation or an operation showing the caller's own account.
    """

    id = "token-not-revoked-on-password-change"
    title = "Other sessions survive a password change"
    family = Family.TOKEN
    severity = Severity.MEDIUM
    cwe = (613,)
    owasp = "API2:2023"
    safety = Safety.STATE_CHANGING
    granularity = "api"
    baselines = "none"
    max_requests = 16
    expected_requests = 8

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        if ctx.shared.setdefault("token.password_change.owner", id(ctx)) != id(ctx):
            raise CoveredElsewhere("one canary account answers for the whole API")
        change = password_change_operation(ctx)
        if change is None:
            raise Inconclusive("no password-change operation in the spec")
        op, current_field, new_field = change
        pair = await canary_pair(ctx)
        canary = pair.canary
        new_password = "Aa1!" + secrets.token_urlsafe(18)
        ctx.add_secret(new_password, "$CANARY_NEW_PASSWORD")
        request = change_request(ctx, op, current_field, new_field, canary.password, new_password)
        changed = await ctx.send(pair.first.authorize(ctx, request))
        hide_tokens(ctx, changed)
        if changed.response is None or not 200 <= changed.response.status < 300:
            await cleanup(ctx, pair.way, pair.first)
            raise Inconclusive(f"{op.key} refused the canary's password change ({changed.status})")
        at = time.time()
        replay = pair.second.authorize(ctx, ctx.build(pair.whoami))
        try:
            first = await ctx.send(replay)
            if refused(ctx, first):
                return
            if not accepted(ctx, canary, first):
                raise Inconclusive(
                    f"S2's replay on {pair.whoami.key} answered {first.status}: neither the "
                    "account nor a refusal"
                )
            await asyncio.sleep(max(0.0, at + _WINDOW - time.time()))
            late = await ctx.send(replay)
            if refused(ctx, late):
                return
            anonymous = ctx.with_credential(ctx.build(pair.whoami), None, pair.first.template)
            holds = await ctx.reproduces(
                replay,
                lambda e: accepted(ctx, canary, e),
                control=lambda: anonymous,
                control_holds=lambda e: not accepted(ctx, canary, e),
            )
            if not (accepted(ctx, canary, late) and holds):
                raise Inconclusive(f"S2's replay {int(time.time() - at)} s later did not reproduce")
        finally:
            fresh = await relogin(ctx, pair.way, canary, new_password)
            await cleanup(ctx, pair.way, fresh or pair.first)
        severity, remaining = _severity(pair.second.token)
        waited = int(time.time() - at)
        yield ctx.finding(
            self,
            title=None,
            description=(
                f"After the canary account's password was changed through {op.key} in one "
                f"session, its other session's token was still accepted on {pair.whoami.key} "
                f"{waited} s later{remaining}."
            ),
            evidence=[
                Evidence("S2 before the change", pair.before),
                Evidence("the password change, through S1", changed),
                Evidence(f"S2 {waited} s after the change", late, "the canary's own account"),
            ],
            confidence=Confidence.FIRM,
            severity=severity,
            reproduce=late,
            details={"window_seconds": waited, "change": op.key, "replayed_on": pair.whoami.key},
            api_wide=True,
        )


def _severity(token: str) -> tuple[Severity, str]:
    """Medium; low when the surviving token dies within 15 min anyway; high past a day."""
    claims = claims_of(token)
    if claims is None:
        return Severity.MEDIUM, ""
    exp = claims.get("exp")
    if not isinstance(exp, int | float):
        return Severity.HIGH, "; the token has no `exp`: nothing ends it"
    left = exp - time.time()
    words = f"; it stays valid {human_duration(max(0.0, left))} more"
    if left <= 900:
        return Severity.LOW, words
    return (Severity.HIGH if left > 86400 else Severity.MEDIUM), words
