"""token-revocation-ineffective (CHECKS.md #34); the user-facing doc is the class docstring."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import AsyncIterator

from authsift.analysis import Verdict
from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.lifecycle._revocation import (
    find_revocation_endpoint,
    refusal,
    revocation_request,
)
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
from authsift.model import Confidence, Evidence, Family, Finding, Safety, Severity

_OWNER = "token-revocation-ineffective:probe"


class TokenRevocationIneffective(Check):
    """Token revocation endpoint (RFC 7009) answers but revokes nothing.

    ## What it checks
    Finds the token revocation endpoint (`revocation_endpoint` in the OAuth/OpenID metadata,
    or an RFC 7009-shaped operation of the spec), logs the identity in a second time — a
    throwaway session, never the scan's own — revokes that session's access token and replays
    it, then revokes its refresh token and redeems it.

    ## Why it matters
    Revocation is how a client, a user or an incident responder ends a grant: "sign out of all
    devices", a leaked token, a removed integration. An endpoint that says 200 and revokes
    nothing gives everyone a false sense of safety while a stolen refresh token keeps minting
    access tokens.

    ## Example
    `POST /oauth/revoke` `token=<refresh token>&token_type_hint=refresh_token` → `200`; then
    `POST /auth/refresh` with the same refresh token → new access and refresh tokens.

    ## Remediation
    Invalidate the token immediately on revocation (RFC 7009 §2.1), and when a refresh token is
    revoked also the access tokens of the same grant. Self-contained JWT access tokens need a
    deny-list of `jti`s (or session ids) checked by the resource server, or a short lifetime;
    a server that cannot revoke access tokens must answer `unsupported_token_type` (§2.2.1).

    ## References
    RFC 7009 §2, §2.1, §2.2 · RFC 9700 §4.14.2 · RFC 6749 §10.4 · ASVS 5.0 V10.4.9 · CWE-613

    ## Decision rule
    CHECKS.md #34, on a throwaway session whose access token is first *accepted* by the shared
    judge. RFC 7009 §2.1: "the authorization server invalidates the token"; §2.2: "the
    authorization server responds with HTTP status code 200 if the token has been revoked
    successfully or if the client submitted an invalid token". So after a 200:
    - the revoked refresh token still mints an access token the operation accepts → **high**;
    - the revoked access token is still *accepted*, and again on two re-sends 2 s later
      interleaved with junk controls that stay rejected, and once more 60 s after the
      revocation (propagation through a cache is not reported) → severity by the time it still
      has to live (≤ 15 min **low**, ≤ 1 day **medium**, longer or no expiry **high**, unknown
      **medium**): for a self-contained JWT a design limit, reported with that window.
    - A refused refresh token counts as revoked only when a second throwaway session's refresh
      token is honoured (the control).
    `unsupported_token_type` (§2.2.1) for a token type is an honest answer: that part is not
    judged. Inconclusive without a revocation endpoint on the target, when it wants client
    authentication the scan does not have, or when a step gives no usable answer. Intrusive: it
    revokes a grant it created (never the scan's own).
    """

    id = "token-revocation-ineffective"
    title = "Token revocation does not take effect"
    family = Family.TOKEN
    severity = Severity.HIGH
    cwe = (613,)
    owasp = "API2:2023"
    safety = Safety.STATE_CHANGING
    needs = frozenset({"credential"})
    granularity = "api"
    max_requests = 24  # the baselines of two identities included
    # one task per scan tests (the others are covered): measured on the lab
    expected_requests = 5

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        probe = await open_session_probe(ctx, _OWNER)
        endpoint = await find_revocation_endpoint(ctx)
        if endpoint is None:
            raise Inconclusive(
                "no token revocation endpoint (no revocation_endpoint in the OAuth/OpenID "
                "metadata, no RFC 7009-shaped operation in the spec)"
            )
        if _origin(endpoint.url) != _origin(ctx.url("/")):
            raise Inconclusive(f"the revocation endpoint {endpoint.url} is not on the target")
        session, probe, before = await fresh_session(ctx, probe)
        evidence = [
            login_evidence(session),
            Evidence(f"{probe.operation.key} with its access token", before),
        ]
        skipped: list[str] = []
        revoked = await ctx.send(
            revocation_request(endpoint, session.token, "access_token", session)
        )
        require_answer(revoked, "revoking the access token")
        ended = time.time()
        why = refusal(revoked)
        access_survives, unclear = False, ""
        after = None
        if why == "unsupported_token_type":
            skipped.append("access tokens: unsupported_token_type (RFC 7009 §2.2.1)")
        elif why is not None:
            raise Inconclusive(f"the revocation endpoint refused the request: {why}")
        else:
            after, judgement = await replay(ctx, probe, session)
            require_answer(after, "the replay after revocation")
            access_survives = judgement.verdict is Verdict.ACCEPTED and await still_accepted(
                ctx, probe, session
            )
            if judgement.verdict is Verdict.INCONCLUSIVE:
                unclear = (
                    f"the access token's replay after revocation is unclear: {judgement.reason}"
                )
            if access_survives:
                evidence += [
                    Evidence("revocation of the access token", revoked),
                    Evidence(f"{probe.operation.key} with the revoked access token", after),
                ]
        refresh_survives, redeemed = False, None
        if session.refresh_token is not None and session.refresh_endpoint is not None:
            request = revocation_request(endpoint, session.refresh_token, "refresh_token", session)
            revoked_rt = await ctx.send(request)
            require_answer(revoked_rt, "revoking the refresh token")
            why = refusal(revoked_rt)
            if why is not None:
                raise Inconclusive(f"the revocation endpoint refused the refresh token: {why}")
            redeemed = await ctx.refresh_session(session)
            require_answer(redeemed.exchange, "the refresh after revocation")
            refresh_survives = await refresh_works(ctx, probe, redeemed)
            if refresh_survives:
                evidence += [
                    Evidence("revocation of the refresh token", revoked_rt),
                    Evidence("refresh with the revoked refresh token", redeemed.exchange),
                ]
            elif not access_survives and not await refresh_channel_works(ctx, probe):
                raise Inconclusive(
                    "the revoked refresh token is refused, but refreshing a new session fails "
                    "as well: its revocation cannot be told apart"
                )
        else:
            skipped.append("refresh tokens: the login gave none, or no refresh endpoint")
        waited = GRACE
        if access_survives and not refresh_survives:
            late, waited = await accepted_late(ctx, probe, session, ended)
            access_survives = late is not None
            if late is not None:
                evidence.append(Evidence(f"the revoked access token {waited:g} s later", late))
        if not access_survives and not refresh_survives and unclear:
            raise Inconclusive(unclear)
        if not access_survives and not refresh_survives:
            if len(skipped) == 2:
                raise Inconclusive("nothing could be revoked: " + "; ".join(skipped))
            return
        remaining = remaining_lifetime(session)
        window = describe_window(session, remaining)
        parts = []
        if refresh_survives:
            parts.append("the revoked refresh token still mints new tokens")
        if access_survives:
            parts.append(
                f"the revoked access token is still accepted {waited:g} s later ({window})"
            )
        yield ctx.finding(
            self,
            title=None if refresh_survives else "Revoked access token still accepted",
            description=(
                f"The revocation endpoint ({endpoint.source}) answered 200 for "
                f"{session.identity}'s throwaway session, yet " + " and ".join(parts) + "."
            ),
            evidence=evidence,
            confidence=Confidence.FIRM,
            severity=Severity.HIGH if refresh_survives else window_severity(remaining),
            reproduce=redeemed.exchange if refresh_survives and redeemed else after,
            details={
                "revocation_endpoint": endpoint.url,
                "found_in": endpoint.source,
                "access_token_survives": access_survives,
                "refresh_token_survives": refresh_survives,
                "not_tested": skipped,
            },
            api_wide=True,
            identity=probe.identity,
        )


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.netloc
