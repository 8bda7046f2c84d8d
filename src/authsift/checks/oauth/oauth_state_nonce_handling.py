"""oauth-state-nonce-handling (CHECKS.md #57); the user-facing doc is the class docstring."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

from authsift.analysis.wording import sentence
from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.oauth._flow import Agent, client_settings, issue_code
from authsift.checks.oauth._metadata import oauth_settings, require_metadata
from authsift.checks.oauth._token import token_answer
from authsift.jose import JoseError, parse_compact
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Severity


class OAuthStateNonceHandling(Check):
    """`state` is not returned unchanged, or the ID token does not carry the `nonce`.

    ## What it checks
    Runs one authorization-code flow as the configured client and test user with a `state`
    containing reserved characters (`+/=%` and a space) and a fresh `nonce`: the redirect must
    carry `state` byte for byte, and (when `openid` is requested) the ID token from the token
    endpoint must carry the same `nonce`. The client's own callback is not tested: it is not
    the server under test.

    ## Why it matters
    `state` is how a client ties the response to the browser that started the flow; a server
    that drops or alters it breaks the client's CSRF defence (login CSRF, code injection).
    `nonce` binds the ID token to the client's session; without it a captured ID token can be
    replayed into another login.

    ## Example
    `GET /authorize?…&state=a%2Bb%2F%3D%25…` → `302 Location: https://client/cb?code=…`
    (no `state`); the ID token has no `nonce` claim.

    ## Remediation
    Return `state` exactly as received in every authorization response, success and error;
    copy the request's `nonce` into the ID token.

    ## References
    RFC 6749 §4.1.2 ("REQUIRED if the state parameter was present … the exact value"), §10.12 ·
    RFC 9700 §2.1, §4.7 · OIDC Core §3.1.2.1, §3.1.3.7 (nonce) · ASVS 5.0 V10.1.2 · CWE-352

    ## Decision rule
    CHECKS.md #57: medium when `state` is missing or altered in the redirect, or the ID token
    lacks the nonce or carries another one; safe when both are exact; the nonce part is skipped
    (and said) when no ID token is issued.
    """

    id = "oauth-state-nonce-handling"
    title = "state or nonce not preserved"
    family = Family.OAUTH
    severity = Severity.MEDIUM
    cwe = (352,)
    owasp = "API2:2023"
    needs = frozenset({"oauth", "client", "oauth_user"})
    granularity = "server"
    max_requests = 12
    expected_requests = 6

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        metadata = await require_metadata(ctx)
        client = client_settings(ctx)
        state = "authsift +/=%" + secrets.token_urlsafe(8)
        nonce = "authsift-" + secrets.token_urlsafe(12)
        agent = Agent(ctx, metadata)
        issued = await issue_code(agent, state=state, nonce=nonce)
        problems: list[tuple[str, Exchange]] = []
        returned = issued.result.params.get("state")
        redirect = issued.result.exchanges[-1]
        if returned is None:
            problems.append(("the authorization response dropped state", redirect))
        elif returned != state:
            problems.append(
                (f"the authorization response altered state ({state!r} → {returned!r})", redirect)
            )
        notes: list[str] = []
        if "openid" in str(oauth_settings(ctx).get("scope") or "").split():
            reply = await agent.token(issued.fields(), client=client)
            id_token = token_answer(reply).get("id_token")
            if not isinstance(id_token, str):
                notes.append("no ID token was issued: nonce not checked")
            else:
                claims = _claims(id_token)
                if claims is None:
                    raise Inconclusive("the ID token is not a readable JWT (encrypted?)")
                if claims.get("nonce") != nonce:
                    what = (
                        "lacks the nonce"
                        if "nonce" not in claims
                        else f"carries another nonce ({claims['nonce']!r})"
                    )
                    problems.append((f"the ID token {what}", reply))
        if not problems:
            return
        yield ctx.finding(
            self,
            description=sentence(*(text for text, _ in problems), *notes),
            evidence=[Evidence(text, exchange) for text, exchange in problems],
            confidence=Confidence.CERTAIN,
            reproduce=issued.result.exchanges[0],
            details={"problems": [text for text, _ in problems]},
            api_wide=True,
        )


def _claims(token: str) -> dict[str, Any] | None:
    try:
        payload = parse_compact(token).payload
    except JoseError:
        return None
    return payload if isinstance(payload, dict) else None
