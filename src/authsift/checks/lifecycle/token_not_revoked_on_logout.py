"""token-not-revoked-on-logout (CHECKS.md #32); the user-facing doc is the class docstring."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

from authsift.analysis import Verdict
from authsift.checks._throwaway import ThrowawayView
from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.lifecycle._sessions import (
    GRACE,
    accepted_late,
    describe_window,
    fresh_session,
    login_evidence,
    open_session_probe,
    refresh_channel_works,
    refresh_works,
    remaining_lifetime,
    replay,
    require_answer,
    still_accepted,
    window_severity,
)
from authsift.model import Confidence, Evidence, Family, Finding, HttpRequest, Safety, Severity

_OWNER = "token-not-revoked-on-logout:probe"
_LOGOUT = re.compile(r"log-?out|sign-?out|sign_out|log_out|log-?off")
_EVERYWHERE = re.compile(r"\ball\b|everywhere|other|devices|sessions")


class TokenNotRevokedOnLogout(Check):
    """Access or refresh token still works after logout.

    ## What it checks
    Logs the identity in a second time — a throwaway session, never the scan's own — checks
    that its access token works, calls the configured logout endpoint (`endpoints.logout`) with
    it, then replays the access token on an operation that needs it and redeems the refresh
    token at the refresh endpoint. Without `endpoints.logout` it uses the spec's one
    operation named for logging out (a POST or DELETE `…/logout`, `…/sign-out`), never one
    that names all sessions or devices.

    ## Why it matters
    Logout is the one control a user has over a session on a shared or lost device. If the
    server only tells the client to forget its tokens, anyone who copied them — from a shared
    computer, a proxy log, an XSS — keeps the session, and with a refresh token keeps it for
    as long as the refresh token lives.

    ## Example
    `POST /auth/logout` with alice's throwaway token → `204`; `GET /me` with the same token
    → `200` with her profile; `POST /auth/refresh` with its refresh token → new tokens.

    ## Remediation
    End the session on the server at logout: revoke the refresh token (and its family), and
    deny-list the access token's `jti` (or the session id) until it expires — or keep access
    tokens short enough that the window does not matter. OIDC deployments should also end the
    session at the `end_session_endpoint`.

    ## References
    ASVS 5.0 V7.4.1 · RFC 9700 §4.14.2 · RFC 6749 §10.4 · OWASP WSTG-SESS-06 · CWE-613 · CWE-672

    ## Decision rule
    CHECKS.md #32, on a throwaway session whose access token is first *accepted* by the shared
    judge. Logout must answer 2xx or 3xx. Then:
    - the refresh token still mints an access token the operation accepts → **high** (RFC 9700
      §4.14.2: refresh tokens are to be revoked when the session ends; RFC 6749 §10.4);
    - else the access token is still *accepted*, stays accepted on two re-sends 2 s later
      interleaved with junk controls that stay rejected, and is accepted again 60 s after the
      logout (a revocation that propagates within a minute is not reported) → severity by the
      time it still has to live (JWT `exp`, else the login's `expires_in`): ≤ 15 min **low**,
      ≤ 1 day **medium**, longer or no expiry **high**, unknown **medium**. A self-contained
      JWT that the server cannot revoke by design is reported the same way, with that window.
    - A refused refresh token counts as revoked only when a second throwaway session's refresh
      token is honoured (the control); otherwise only the access token is judged.
    Inconclusive without a logout endpoint, without an identity that can log in again, or when
    a step gives no usable answer. It is intrusive (it ends a session it created): logging out
    a throwaway session never touches the scan's, but the logout request is a state change on
    the server, so it runs only with `checks.intrusive`.
    """

    id = "token-not-revoked-on-logout"
    title = "Tokens still work after logout"
    family = Family.TOKEN
    severity = Severity.HIGH
    cwe = (613, 672)
    owasp = "API2:2023"
    safety = Safety.STATE_CHANGING
    needs = frozenset({"credential"})
    granularity = "api"
    max_requests = 24  # the baselines of two identities included
    # one task per scan tests (the others are covered): measured on the lab
    expected_requests = 8

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        endpoint = logout_endpoint(ctx)
        if endpoint is None:
            raise Inconclusive(
                "needs a logout endpoint (endpoints.logout; none recognisable in the spec)"
            )
        probe = await open_session_probe(ctx, _OWNER)
        session, probe, before = await fresh_session(ctx, probe)
        logout = await ctx.send(ctx.as_session(_logout_request(ctx, endpoint, session), session))
        ended = time.time()
        require_answer(logout, "logout")
        status = logout.status or 0
        if not 200 <= status < 400:
            raise Inconclusive(f"logout answered {status}: the session was not ended")
        evidence = [
            login_evidence(session),
            Evidence(f"{probe.operation.key} with its access token before logout", before),
            Evidence(f"logout ({endpoint[0]} {endpoint[1]})", logout),
        ]
        unclear = ""
        after, judgement = await replay(ctx, probe, session)
        require_answer(after, "the replay after logout")
        access_survives = judgement.verdict is Verdict.ACCEPTED and await still_accepted(
            ctx, probe, session
        )
        if judgement.verdict is Verdict.INCONCLUSIVE:
            unclear = f"the access token's replay after logout is unclear: {judgement.reason}"
        if access_survives:
            evidence.append(
                Evidence(f"{probe.operation.key} with the same access token after logout", after)
            )
        refresh_survives, refreshed = False, None
        if session.refresh_token is not None and session.refresh_endpoint is not None:
            refreshed = await ctx.refresh_session(session)
            require_answer(refreshed.exchange, "the refresh after logout")
            refresh_survives = await refresh_works(ctx, probe, refreshed)
            if refresh_survives:
                evidence.append(
                    Evidence("refresh with its refresh token after logout", refreshed.exchange)
                )
            elif not access_survives and not await refresh_channel_works(ctx, probe):
                raise Inconclusive(
                    "the access token is refused after logout, but refreshing a new session "
                    "fails as well: the refresh token's fate cannot be told"
                )
        waited = GRACE
        if access_survives and not refresh_survives:
            late, waited = await accepted_late(ctx, probe, session, ended)
            access_survives = late is not None
            if late is not None:
                evidence.append(Evidence(f"the same access token {waited:g} s after logout", late))
        if not access_survives and not refresh_survives and unclear:
            raise Inconclusive(unclear)
        if not access_survives and not refresh_survives:
            return
        remaining = remaining_lifetime(session)
        window = describe_window(session, remaining)
        if refresh_survives:
            severity = Severity.HIGH
            what = "its refresh token still mints new tokens"
            if access_survives:
                what += f", and its access token is still accepted ({window})"
        else:
            severity = window_severity(remaining)
            what = f"its access token is still accepted {waited:g} s later ({window})"
        yield ctx.finding(
            self,
            title=None if refresh_survives else "Access token still works after logout",
            description=(
                f"{session.identity}'s throwaway session logged out ({endpoint[0]} "
                f"{endpoint[1]} answered {status}), yet {what}."
            ),
            evidence=evidence,
            confidence=Confidence.FIRM,
            severity=severity,
            reproduce=refreshed.exchange if refresh_survives and refreshed else after,
            details=_details(access_survives, refresh_survives, remaining, session.is_jwt),
            api_wide=True,
            identity=probe.identity,
        )


def logout_endpoint(ctx: Context) -> tuple[str, str] | None:
    """`endpoints.logout`, else the spec's one logout operation: a POST or DELETE without path
    parameters whose last path segment says log out / sign out — never one that names all
    sessions or devices (that would end the scan's own session too)."""
    configured = ctx.facts.endpoints.get("logout")
    if configured is not None:
        return configured
    found = [
        op
        for op in ctx.operations
        if op.method in ("POST", "DELETE")
        and "{" not in op.path
        and _LOGOUT.fullmatch(op.path.rstrip("/").rsplit("/", 1)[-1].lower())
        and not _EVERYWHERE.search(f"{op.path} {op.operation_id or ''} {op.summary}".lower())
    ]
    return (found[0].method, found[0].path) if len(found) == 1 else None


def _logout_request(ctx: Context, endpoint: tuple[str, str], session: ThrowawayView) -> HttpRequest:
    """The logout call; its refresh token travels in the body, as many logouts expect
    (`{"refresh_token": …}`), so that a logout which ends only the grant it is shown can."""
    method, path = endpoint
    url = path if "://" in path else ctx.url(path)
    if method in ("GET", "HEAD", "DELETE") or session.refresh_token is None:
        return HttpRequest(method, url)
    body = json.dumps({"refresh_token": session.refresh_token}).encode()
    return HttpRequest(method, url, (("Content-Type", "application/json"),), body)


def _details(access: bool, refresh: bool, remaining: float | None, jwt: bool) -> dict[str, Any]:
    return {
        "access_token_survives": access,
        "refresh_token_survives": refresh,
        "access_token_remaining_seconds": None
        if remaining is None or remaining == float("inf")
        else round(remaining),
        "access_token_expires": remaining != float("inf"),
        "self_contained_jwt": jwt,
    }
