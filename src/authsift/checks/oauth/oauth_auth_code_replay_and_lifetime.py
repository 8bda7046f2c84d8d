"""oauth-auth-code-replay-and-lifetime (CHECKS.md #59); the user-facing doc is the class
docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.oauth._flow import Agent, client_settings, issue_code
from authsift.checks.oauth._metadata import require_metadata
from authsift.checks.oauth._token import token_answer
from authsift.model import Confidence, Evidence, Family, Finding, Severity


class OAuthAuthCodeReplayAndLifetime(Check):
    """An authorization code can be redeemed twice, or a replay leaves the first tokens alive.

    ## What it checks
    As the configured client and test user, redeems one code, then redeems the same code
    again. When the server publishes a UserInfo endpoint, the access token of the first
    redemption is then presented there: after a replay attempt it should no longer work.

    ## Why it matters
    A code is a one-time credential that travels through the browser. If it can be redeemed
    twice, a code copied from history, logs or a Referer yields a second set of tokens; RFC 6749
    asks the server to treat a second use as an attack and revoke what the code produced.

    ## Example
    `POST /token grant_type=authorization_code&code=C…` → tokens; the same request again →
    `200` with another access token.

    ## Remediation
    Make codes single-use and short-lived (≤ 60 s); on a second use, refuse it with
    `invalid_grant` and revoke every token issued from that code.

    ## References
    RFC 6749 §4.1.2 ("MUST NOT use the authorization code more than once … SHOULD revoke"),
    §10.5 · RFC 9700 §4.5 · ASVS 5.0 V10.4.2, V10.4.3 · CWE-294

    ## Decision rule
    CHECKS.md #59: high when the second redemption returns tokens; medium when it is refused
    but the first access token still works at UserInfo; safe otherwise. The code lifetime
    probe (waiting 660 s before redeeming) is not run in a scan: it is stated in the report.
    """

    id = "oauth-auth-code-replay-and-lifetime"
    title = "Authorization code can be replayed"
    family = Family.OAUTH
    severity = Severity.HIGH
    cwe = (294,)
    owasp = "API2:2023"
    needs = frozenset({"oauth", "client", "oauth_user"})
    granularity = "server"
    max_requests = 12
    expected_requests = 8

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        metadata = await require_metadata(ctx)
        client = client_settings(ctx)
        agent = Agent(ctx, metadata)
        issued = await issue_code(agent)
        first = await agent.token(issued.fields(), client=client)
        first_token = token_answer(first).get("access_token")
        if not isinstance(first_token, str):
            raise Inconclusive(f"the code was not redeemed the first time ({first.status})")
        second = await agent.token(issued.fields(), client=client)
        if token_answer(second).get("access_token"):
            yield ctx.finding(
                self,
                description="The same authorization code was redeemed twice; both times the "
                "token endpoint issued tokens.",
                evidence=[
                    Evidence("first redemption", first),
                    Evidence("second redemption of the same code", second),
                ],
                confidence=Confidence.CERTAIN,
                reproduce=second,
                api_wide=True,
            )
            return
        check = await agent.userinfo(first_token)
        if check is None or check.status != 200:
            return
        yield ctx.finding(
            self,
            title="Tokens from a replayed authorization code are not revoked",
            description="A second redemption of the code was refused, but the access token "
            "from the first one still works at the UserInfo endpoint (RFC 6749 §4.1.2: the "
            "server SHOULD revoke the tokens issued from a replayed code).",
            evidence=[
                Evidence("second redemption refused", second),
                Evidence("first access token still accepted", check),
            ],
            confidence=Confidence.CERTAIN,
            severity=Severity.MEDIUM,
            reproduce=check,
            api_wide=True,
        )
