"""token-not-revoked-on-password-change (CHECKS.md #33); the user-facing doc is the class
docstring."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, CoveredElsewhere, Inconclusive
from authsift.checks.lifecycle._canary import (
    CanaryPair,
    accepted,
    account_pair,
    account_turn,
    change_request,
    cleanup,
    hide_tokens,
    minted,
    password_change_operation,
    redeem,
    refresh_token_in,
    refused,
    relogin,
    restore_password,
)
from authsift.checks.lifecycle._lifetime import claims_of, human_duration
from authsift.checks.lifecycle._sessions import revocation_window
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    HttpRequest,
    Safety,
    Severity,
)

_WINDOW = 60.0  # CHECKS.md §2: a revocation must take effect within 60 s


class TokenNotRevokedOnPasswordChange(Check):
    """Other sessions survive a password change.

    ## What it checks
    Uses the operator's disposable account (`lifecycle.accounts`: changed, then changed
    back), else signs up a canary account of its own — never a scan identity — logs it in twice —
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
        async with account_turn(ctx):
            found = [finding async for finding in self._changed(ctx)]
        for finding in found:
            yield finding

    async def _changed(self, ctx: Context) -> AsyncIterator[Finding]:
        change = password_change_operation(ctx)
        if change is None:
            raise Inconclusive("no password-change operation in the spec")
        op, current_field, new_field = change
        pair = await account_pair(ctx)
        canary = pair.canary
        new_password = "Aa1!" + secrets.token_urlsafe(18)
        ctx.add_secret(new_password, "$CANARY_NEW_PASSWORD")
        request = change_request(ctx, op, current_field, new_field, canary.password, new_password)
        changed = await ctx.send(pair.first.authorize(ctx, request))
        hide_tokens(ctx, changed)
        if changed.response is None or not 200 <= changed.response.status < 300:
            if not pair.disposable:
                await cleanup(ctx, pair.way, pair.first)
            raise Inconclusive(f"{op.key} refused the password change ({changed.status})")
        at = time.time()
        replay = pair.second.authorize(ctx, ctx.build(pair.whoami))
        whose = f"the disposable account {canary.username}" if pair.disposable else "the canary"
        refresh_token = refresh_token_in(pair.second.login)
        renewed = None
        try:
            first = await ctx.send(replay)
            if refresh_token is not None:
                renewed = await redeem(ctx, refresh_token)
            if minted(ctx, renewed):
                late, severity, remaining = (
                    first,
                    Severity.HIGH,
                    "; its refresh token still mints tokens",
                )
            elif refused(ctx, first):
                return
            elif not accepted(ctx, canary, first):
                raise Inconclusive(
                    f"S2's replay on {pair.whoami.key} answered {first.status}: neither the "
                    "account nor a refusal"
                )
            else:
                replayed = await self._late_replay(ctx, pair, replay, at)
                if replayed is None:
                    return
                late = replayed
                severity, remaining = _severity(pair.second.token)
        finally:
            fresh = await relogin(ctx, pair.way, canary, new_password)
            if pair.disposable:
                await restore_password(ctx, pair, fresh, change, new_password)
            else:
                await cleanup(ctx, pair.way, fresh or pair.first)
        waited = int(time.time() - at)
        evidence = [
            Evidence("S2 before the change", pair.before),
            Evidence("the password change, through S1", changed),
            Evidence(
                "S2 after the change", late, "the account" if accepted(ctx, canary, late) else ""
            ),
        ]
        if minted(ctx, renewed) and renewed is not None:
            evidence.append(Evidence("S2's refresh token after the change", renewed, "new tokens"))
        yield ctx.finding(
            self,
            title=None,
            description=(
                f"After the password of {whose} was changed through {op.key} in one session, "
                f"its other session was still alive {waited} s later on {pair.whoami.key}"
                f"{remaining}."
            ),
            evidence=evidence,
            confidence=Confidence.FIRM,
            severity=severity,
            reproduce=renewed if minted(ctx, renewed) else late,
            details={
                "window_seconds": waited,
                "change": op.key,
                "replayed_on": pair.whoami.key,
                "refresh_token_survives": minted(ctx, renewed),
            },
            api_wide=True,
        )

    async def _late_replay(
        self, ctx: Context, pair: CanaryPair, replay: HttpRequest, at: float
    ) -> Exchange | None:
        """S2's access token again once the 60 s window has passed: the accepted answer,
        reproduced with anonymous controls refused; None when it was refused by then."""
        await asyncio.sleep(max(0.0, at + revocation_window(ctx, _WINDOW) - time.time()))
        late = await ctx.send(replay)
        if refused(ctx, late):
            return None
        anonymous = ctx.with_credential(ctx.build(pair.whoami), None, pair.first.template)
        holds = await ctx.reproduces(
            replay,
            lambda e: accepted(ctx, pair.canary, e),
            control=lambda: anonymous,
            control_holds=lambda e: not accepted(ctx, pair.canary, e),
        )
        if not (accepted(ctx, pair.canary, late) and holds):
            raise Inconclusive(f"S2's replay {int(time.time() - at)} s later did not reproduce")
        return late


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
