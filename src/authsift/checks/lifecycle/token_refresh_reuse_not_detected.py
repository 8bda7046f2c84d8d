"""token-refresh-reuse-not-detected (CHECKS.md #37); the user-facing doc is the class docstring."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, NotApplicable
from authsift.checks.lifecycle._sessions import (
    client_authenticated,
    fresh_session,
    login_evidence,
    open_session_probe,
    refresh_works,
    refreshed_session,
    require_answer,
    revocation_window,
)
from authsift.model import Confidence, Evidence, Family, Finding, Safety, Severity

_OWNER = "token-refresh-reuse-not-detected:probe"
REUSE_WINDOW = 61.0  # seconds: past the longest retry window of graceful rotation (60 s)


class TokenRefreshReuseNotDetected(Check):
    """Replay of a used refresh token not detected, token family not revoked.

    ## What it checks
    Logs the identity in a second time — a throwaway session, never the scan's own — redeems
    its refresh token RT1 (getting RT2), then acts as an attacker holding a stolen copy of RT1
    and replays it; finally acts as the legitimate client and redeems RT2.

    ## Why it matters
    Rotation only helps if the server notices when an old refresh token comes back: one of the
    two parties holding it is an attacker, and the server cannot tell which. RFC 9700 expects
    it to revoke the whole family then, so that the attacker's tokens die with the victim's;
    otherwise a thief who refreshes first keeps the grant for good.

    ## Example
    `POST /auth/refresh` with RT1 → RT2; RT1 again → `400 invalid_grant`; RT2 → `200` with
    new tokens (the family was not revoked).

    ## Remediation
    Remember used refresh tokens of each grant; when one is presented again, refuse it and
    revoke every refresh token (and, where possible, access token) of that grant (RFC 9700
    §4.14.2), logging the event as a likely theft.

    ## References
    RFC 9700 §4.14.2 · RFC 6749 §10.4 · ASVS 5.0 V10.4.5 · CWE-613 · CWE-294

    ## Decision rule
    CHECKS.md #37. RFC 9700 §4.14.2: "If a refresh token is compromised and subsequently used
    by both the attacker and the legitimate client, one of them will present an invalidated
    refresh token, which will inform the authorization server of the breach … it will revoke
    the active refresh token"; RFC 6749 §10.4 likewise. The first refresh of a throwaway
    session must be honoured, else inconclusive. Then:
    - the replayed RT1 mints an access token the operation does not reject → **high** (also
      when RT1 was never rotated: a public client's stolen token is then never detected). A
      rotated RT1 honoured at once is replayed again 61 s later before it counts: graceful
      rotation lets a client retry with the old token for up to 60 s (FAPI 2.0; Cognito,
      Okta), which is no breach;
    - RT1 is refused but RT2 is still honoured → **medium** (reuse refused, family not
      revoked);
    - RT1 refused and RT2 refused afterwards → passed.
    A confidential client (the refresh carries client authentication) whose refresh tokens
    are not rotated is out of scope (the token is bound to the client, RFC 6749 §10.4).
    Intrusive: a correct server revokes the grant it created (never the scan's own).
    """

    id = "token-refresh-reuse-not-detected"
    title = "Refresh token replay not detected"
    family = Family.TOKEN
    severity = Severity.HIGH
    cwe = (613, 294)
    owasp = "API2:2023"
    safety = Safety.STATE_CHANGING
    needs = frozenset({"credential"})
    granularity = "api"
    max_requests = 16  # the baselines of two identities included
    # one task per scan tests (the others are covered): measured on the lab
    expected_requests = 3

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        probe = await open_session_probe(ctx, _OWNER)
        session, probe, _before = await fresh_session(ctx, probe)
        first = await refreshed_session(ctx, probe, session)
        legitimate = first.session
        assert legitimate is not None
        rotated = legitimate.refresh_token != session.refresh_token
        if not rotated and client_authenticated(first.exchange):
            raise NotApplicable(
                "a confidential client's refresh tokens are not rotated: bound to the client's "
                "credentials, there is no reuse to detect (RFC 6749 §10.4)"
            )
        replayed = await ctx.refresh_session(session)  # the attacker's copy of RT1
        require_answer(replayed.exchange, "the replay of the used refresh token")
        evidence = [
            login_evidence(session),
            Evidence("refresh with RT1 (the legitimate client)", first.exchange),
            Evidence("RT1 replayed after it was used (the attacker)", replayed.exchange),
        ]
        accepted = await refresh_works(ctx, probe, replayed)
        waited = 0.0
        if accepted and rotated:
            # Graceful rotation (a retry window of up to 60 s for a client that lost the
            # answer, FAPI 2.0) also honours RT1 at once: ask again once any such window closed.
            window = revocation_window(ctx, REUSE_WINDOW - 1.0) + 1.0
            await asyncio.sleep(window)
            waited = window
            replayed = await ctx.refresh_session(session)
            require_answer(replayed.exchange, "the late replay of the used refresh token")
            evidence.append(Evidence(f"RT1 replayed again {waited:g} s later", replayed.exchange))
            accepted = await refresh_works(ctx, probe, replayed)
        if accepted:
            note = f" {waited:g} s after it was used" if waited else ""
            note += "" if rotated else " (the refresh token is not even rotated)"
            yield ctx.finding(
                self,
                description=(
                    f"A used refresh token of {session.identity}'s throwaway session was "
                    f"replayed{note} and still minted new tokens: the reuse went undetected."
                ),
                evidence=evidence,
                confidence=Confidence.FIRM,
                severity=Severity.HIGH,
                reproduce=replayed.exchange,
                details={
                    "replay_accepted": True,
                    "rotated": rotated,
                    "family_revoked": False,
                    "replayed_after_seconds": waited,
                },
                api_wide=True,
                identity=probe.identity,
            )
            return
        survivor = await ctx.refresh_session(legitimate)  # RT2, after the reuse
        require_answer(survivor.exchange, "the refresh with RT2 after the replay")
        if not await refresh_works(ctx, probe, survivor):
            return  # reuse refused and the family revoked
        evidence.append(Evidence("RT2 redeemed after the replay", survivor.exchange))
        yield ctx.finding(
            self,
            title="Refresh token reuse refused but its family not revoked",
            description=(
                f"Replaying a used refresh token of {session.identity}'s throwaway session was "
                f"refused (HTTP {replayed.status}), but the refresh token issued in its place "
                "still works: the server does not revoke the token family on reuse, so an "
                "attacker who refreshes first keeps the grant."
            ),
            evidence=evidence,
            confidence=Confidence.FIRM,
            severity=Severity.MEDIUM,
            reproduce=survivor.exchange,
            details={"replay_accepted": False, "rotated": rotated, "family_revoked": False},
            api_wide=True,
            identity=probe.identity,
        )
