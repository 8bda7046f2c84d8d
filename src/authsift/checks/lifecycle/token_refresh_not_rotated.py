"""token-refresh-not-rotated (CHECKS.md #36); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context
from authsift.checks.lifecycle._sessions import (
    client_authenticated,
    fresh_session,
    login_evidence,
    open_session_probe,
    refresh_works,
    refreshed_session,
    require_answer,
)
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Safety, Severity

_OWNER = "token-refresh-not-rotated:probe"


class TokenRefreshNotRotated(Check):
    """Refresh token neither rotated nor sender-constrained.

    ## What it checks
    Logs the identity in a second time — a throwaway session, never the scan's own — redeems
    its refresh token once, and looks at what comes back: a new refresh token (rotation), or
    the same one (or none, the client keeping its old one). When it is not rotated, it redeems
    the same refresh token a second time.

    ## Why it matters
    A refresh token lives for days or months. If it is neither rotated nor bound to the client
    (DPoP, mTLS), a copy taken once — from a device backup, a log, malware — mints access
    tokens for its whole lifetime alongside the legitimate client, and nothing ever notices.

    ## Example
    `POST /auth/refresh {"refresh_token": RT1}` → `200` with a new access token and `RT1`
    again; the same request a minute later → `200` again.

    ## Remediation
    Rotate refresh tokens on every use and invalidate the old one (RFC 9700 §4.14.2), with
    reuse detection that revokes the family (see `token-refresh-reuse-not-detected`), or bind
    them to the client with DPoP (RFC 9449) or mTLS (RFC 8705). Confidential clients must
    authenticate at every refresh (RFC 6749 §6).

    ## References
    RFC 9700 §2.2.2, §4.14.2 · RFC 6749 §6, §10.4 · ASVS 5.0 V10.4.5 · CWE-613 · CWE-294

    ## Decision rule
    CHECKS.md #36. RFC 9700 §2.2.2: "Refresh tokens for public clients MUST be
    sender-constrained or use refresh token rotation". The first refresh of a throwaway session
    must be honoured (2xx with an access token the operation does not reject), else
    inconclusive. Then:
    - a new refresh token came back → rotated: passed (whether the old one still works is
      `token-refresh-reuse-not-detected`'s question);
    - the same refresh token (or none) came back and redeeming it again is honoured → **high**
      for a public client, **low** when the refresh request carried client authentication
      (a confidential client: the token is bound to the client's credentials, RFC 6749 §10.4);
    - it came back but a second redemption is refused → effectively single-use: passed.
    The refresh needed no proof of possession (the scan sends no DPoP proof and no client
    certificate), so a token honoured this way is not sender-constrained. Intrusive: it
    refreshes a grant it created (never the scan's own), which a correct server may revoke.
    """

    id = "token-refresh-not-rotated"
    title = "Refresh token is not rotated"
    family = Family.TOKEN
    severity = Severity.HIGH
    cwe = (613, 294)
    owasp = "API2:2023"
    safety = Safety.STATE_CHANGING
    needs = frozenset({"credential"})
    granularity = "api"
    max_requests = 14  # the baselines of two identities included
    # one task per scan tests (the others are covered): measured on the lab
    expected_requests = 3

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        probe = await open_session_probe(ctx, _OWNER)
        session, probe, _before = await fresh_session(ctx, probe)
        first = await refreshed_session(ctx, probe, session)
        minted = first.session
        assert minted is not None
        if minted.refresh_token != session.refresh_token:
            return  # rotated
        again = await ctx.refresh_session(session)
        require_answer(again.exchange, "the second refresh")
        if not await refresh_works(ctx, probe, again):
            return  # the same string, but single-use
        confidential = client_authenticated(first.exchange)
        returned = (
            "returned the same refresh token"
            if _carries(first.exchange, session.refresh_token)
            else "returned no new refresh token"
        )
        yield ctx.finding(
            self,
            description=(
                f"Refreshing {session.identity}'s throwaway session {returned}, and that "
                "refresh token was honoured again afterwards: it is not rotated"
                + (
                    " (the client authenticates at the token endpoint, which binds it)."
                    if confidential
                    else ", and nothing binds it to the client (no client authentication, "
                    "no DPoP or mTLS proof)."
                )
            ),
            evidence=[
                login_evidence(session),
                Evidence("first refresh", first.exchange),
                Evidence("the same refresh token redeemed again", again.exchange),
            ],
            confidence=Confidence.FIRM,
            severity=Severity.LOW if confidential else Severity.HIGH,
            reproduce=again.exchange,
            details={"confidential_client": confidential, "rotated": False},
            api_wide=True,
            identity=probe.identity,
        )


def _carries(exchange: Exchange, token: str | None) -> bool:
    """The answer hands the same refresh token back (rather than none at all)."""
    body = exchange.response.body if exchange.response is not None else b""
    return bool(token) and (token or "").encode() in body
