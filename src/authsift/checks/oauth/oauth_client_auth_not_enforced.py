"""oauth-client-auth-not-enforced (CHECKS.md #61); the user-facing doc is the class docstring."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, NotApplicable
from authsift.checks.oauth._flow import Agent, client_settings, issue_code
from authsift.checks.oauth._metadata import require_metadata
from authsift.checks.oauth._token import token_answer
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Severity


class OAuthClientAuthNotEnforced(Check):
    """A confidential client's token requests work without its secret.

    ## What it checks
    For the configured confidential client (one with a `client_secret`), redeems real codes
    at the token endpoint with no client authentication at all (only `client_id` in the body),
    with a wrong secret, and with the second client's secret; and asks for
    `grant_type=client_credentials` with a wrong secret.

    ## Why it matters
    Client authentication is what stops a stolen code or refresh token from being redeemed by
    someone who is not the client, and what makes `client_credentials` tokens mean anything.
    If the secret is not checked, anyone can impersonate the client.

    ## Example
    `POST /token grant_type=authorization_code&code=…&client_id=web` (no secret) → `200`.

    ## Remediation
    Authenticate every confidential client at the token endpoint with its registered method
    and refuse anything else with `invalid_client` (401 and a `WWW-Authenticate` challenge for
    Basic).

    ## References
    RFC 6749 §2.3, §3.2.1 ("MUST require client authentication for confidential clients"),
    §5.2 · RFC 9700 §2.5 · ASVS 5.0 V10.4.10 · CWE-287

    ## Decision rule
    CHECKS.md #61: critical when any variant returns tokens; safe on `invalid_client`. Not
    applicable to a public client (no secret configured). The `private_key_jwt` assertion
    variants are not tried.
    """

    id = "oauth-client-auth-not-enforced"
    title = "Confidential client authentication not enforced"
    family = Family.OAUTH
    severity = Severity.CRITICAL
    cwe = (287,)
    owasp = "API2:2023"
    needs = frozenset({"oauth", "client", "oauth_user"})
    granularity = "server"
    max_requests = 24
    expected_requests = 16

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        client = client_settings(ctx)
        if not client.get("client_secret") or client.get("auth_method") == "none":
            raise NotApplicable("the configured client is public (no client_secret)")
        metadata = await require_metadata(ctx)
        wrong = {**client, "client_secret": "authsift-wrong-" + secrets.token_urlsafe(12)}
        variants: list[tuple[str, dict[str, object], str | None]] = [
            ("no client authentication, only client_id", client, "none"),
            ("a wrong client secret", wrong, None),
        ]
        second = ctx.facts.settings.get("oauth", {}).get("second_client")
        if isinstance(second, dict) and second.get("client_secret"):
            variants.append(
                (
                    "the second client's secret",
                    {**client, "client_secret": second["client_secret"]},
                    None,
                )
            )
        accepted: list[tuple[str, Exchange]] = []
        for label, as_client, method in variants:
            agent = Agent(ctx, metadata)
            issued = await issue_code(agent)
            reply = await agent.token(issued.fields(), client=as_client, auth=method)
            if token_answer(reply).get("access_token"):
                accepted.append((f"a code was redeemed with {label}", reply))
        grants = metadata.listed("grant_types_supported") or []
        if "client_credentials" in grants:
            reply = await Agent(ctx, metadata).token(
                {"grant_type": "client_credentials"}, client=wrong
            )
            if token_answer(reply).get("access_token"):
                accepted.append(("client_credentials tokens were issued for a wrong secret", reply))
        if not accepted:
            return
        yield ctx.finding(
            self,
            description=f"The token endpoint did not authenticate client {client['client_id']}: "
            + "; ".join(text for text, _ in accepted)
            + ".",
            evidence=[Evidence(text, exchange) for text, exchange in accepted],
            confidence=Confidence.CERTAIN,
            reproduce=accepted[0][1],
            api_wide=True,
        )
