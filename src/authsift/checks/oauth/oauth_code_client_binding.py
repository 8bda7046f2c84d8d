"""oauth-code-client-binding (CHECKS.md #60); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.analysis.wording import sentence
from authsift.checks.base import Check, Context
from authsift.checks.oauth._flow import Agent, client_settings, issue_code
from authsift.checks.oauth._metadata import require_metadata
from authsift.checks.oauth._token import token_answer
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Severity


class OAuthCodeClientBinding(Check):
    """A code issued to one client is redeemed by another, or with another `redirect_uri`.

    ## What it checks
    Gets a code for the configured client (`oauth.client`) through a real flow, then redeems
    it as the second registered client (`oauth.second_client`, with its own credentials); and
    another code as the first client but with a different `redirect_uri` than the one the code
    was issued for.

    ## Why it matters
    A code is only safe if it works for the client that asked for it, at the redirect URI it
    was sent to. Otherwise any other client of the same server — a partner, a compromised app,
    anyone who registered one — can turn a code stolen from a user into that user's tokens.

    ## Example
    Code issued to `web`; `POST /token` with `partner`'s client credentials and that code →
    `200` with tokens for the user.

    ## Remediation
    Store the client and redirect URI with each code and, at the token endpoint, refuse a code
    whose client is not the authenticated one or whose `redirect_uri` differs (`invalid_grant`).

    ## References
    RFC 6749 §4.1.3 ("ensure that the authorization code was issued to the authenticated
    confidential client … ensure that the redirect_uri parameter is present … and their values
    are identical") · RFC 9700 §4.5 · CWE-863

    ## Decision rule
    CHECKS.md #60: high when either redemption returns tokens; safe on `invalid_grant`. The
    other-client half needs `oauth.second_client`; without it only the redirect half runs.
    """

    id = "oauth-code-client-binding"
    title = "Authorization code not bound to its client"
    family = Family.OAUTH
    severity = Severity.HIGH
    cwe = (863,)
    owasp = "API2:2023"
    needs = frozenset({"oauth", "client", "oauth_user"})
    granularity = "server"
    max_requests = 16
    expected_requests = 11

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        metadata = await require_metadata(ctx)
        client = client_settings(ctx)
        accepted: list[tuple[str, Exchange]] = []
        second = ctx.facts.settings.get("oauth", {}).get("second_client")
        if isinstance(second, dict):
            agent = Agent(ctx, metadata)
            issued = await issue_code(agent)
            fields = issued.fields(
                redirect_uri=str(second.get("redirect_uri") or issued.redirect_uri)
            )
            fields["redirect_uri"] = issued.redirect_uri
            reply = await agent.token(fields, client=second)
            if token_answer(reply).get("access_token"):
                accepted.append(
                    (
                        f"a code issued to {client['client_id']} was redeemed by "
                        f"{second['client_id']}",
                        reply,
                    )
                )
        agent = Agent(ctx, metadata)
        issued = await issue_code(agent)
        other_uri = issued.redirect_uri.rstrip("/") + "/authsift-other"
        reply = await agent.token(issued.fields(redirect_uri=other_uri), client=client)
        if token_answer(reply).get("access_token"):
            accepted.append(
                (
                    f"a code was redeemed with redirect_uri {other_uri!r}, not the one it was "
                    "issued for",
                    reply,
                )
            )
        if not accepted:
            return
        yield ctx.finding(
            self,
            description=sentence(*(text for text, _ in accepted)),
            evidence=[Evidence(text, exchange) for text, exchange in accepted],
            confidence=Confidence.CERTAIN,
            reproduce=accepted[0][1],
            api_wide=True,
        )
