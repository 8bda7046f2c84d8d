"""oauth-ropc-grant-enabled (CHECKS.md #52); the user-facing doc is the class docstring."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.oauth._flow import Agent, client_settings
from authsift.checks.oauth._metadata import oauth_settings, require_metadata
from authsift.checks.oauth._token import token_answer
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Severity

_GRANT_REFUSED = frozenset({"unsupported_grant_type", "unauthorized_client"})


class OAuthRopcGrantEnabled(Check):
    """The Resource Owner Password Credentials grant is available.

    ## What it checks
    Posts `grant_type=password` to the token endpoint as the configured client: once with the
    test user's real credentials, once with a wrong password. Tokens for the first, or
    `invalid_grant` for the second (the grant is live and checks passwords), mean the grant is
    enabled; `unsupported_grant_type` or `unauthorized_client` mean it is not.

    ## Why it matters
    The password grant hands the user's password to the client, cannot carry multi-factor
    authentication or consent, and turns the token endpoint into a password-guessing oracle.
    RFC 9700 says it MUST NOT be used.

    ## Example
    `POST /token grant_type=password&username=alice&password=…` with the client's credentials
    → `200 {"access_token": …}`.

    ## Remediation
    Disable the password grant for every client; use the authorization code flow with PKCE (or
    the device flow for input-constrained devices).

    ## References
    RFC 9700 §2.4 ("MUST NOT be used") · RFC 6749 §4.3, §10.7 · OAuth 2.1 §10.1 ·
    ASVS 5.0 V10.4.4 · CWE-522

    ## Decision rule
    CHECKS.md #52, two token requests: medium when tokens are issued for the right password or
    `invalid_grant` answers the wrong one; safe on `unsupported_grant_type` /
    `unauthorized_client`; inconclusive on any other answer.
    """

    id = "oauth-ropc-grant-enabled"
    title = "Resource Owner Password Credentials grant enabled"
    family = Family.OAUTH
    severity = Severity.MEDIUM
    cwe = (522,)
    owasp = "API2:2023"
    needs = frozenset({"oauth", "client", "oauth_user"})
    granularity = "server"
    max_requests = 4
    expected_requests = 2

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        metadata = await require_metadata(ctx)
        client = client_settings(ctx)
        user = oauth_settings(ctx)["user"]
        agent = Agent(ctx, metadata)
        right = await agent.token(
            {"grant_type": "password", "username": user["username"], "password": user["password"]},
            client=client,
        )
        answer = token_answer(right)
        if answer.get("access_token"):
            yield self._finding(ctx, "issued tokens for the test user's password", right)
            return
        wrong = await agent.token(
            {
                "grant_type": "password",
                "username": user["username"],
                "password": "authsift-wrong-" + secrets.token_urlsafe(8),
            },
            client=client,
        )
        error = token_answer(wrong).get("error")
        if error == "invalid_grant" and answer.get("error") not in _GRANT_REFUSED:
            yield self._finding(
                ctx, "answered a wrong password with invalid_grant: the grant is live", wrong
            )
            return
        if answer.get("error") in _GRANT_REFUSED or error in _GRANT_REFUSED:
            return
        raise Inconclusive(
            f"the token endpoint answered grant_type=password with {right.status} "
            f"{answer.get('error') or ''} and {wrong.status} {error or ''}".strip()
        )

    def _finding(self, ctx: Context, what: str, exchange: Exchange) -> Finding:
        return ctx.finding(
            self,
            description=f"The token endpoint accepts grant_type=password: it {what}.",
            evidence=[Evidence("token request, grant_type=password", exchange)],
            confidence=Confidence.CERTAIN,
            reproduce=exchange,
            api_wide=True,
        )
