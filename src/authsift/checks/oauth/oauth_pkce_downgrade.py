"""oauth-pkce-downgrade (CHECKS.md #55); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.checks.oauth._flow import (
    Agent,
    authorization_params,
    client_settings,
    pkce_pair,
)
from authsift.checks.oauth._metadata import require_metadata
from authsift.checks.oauth._token import token_answer
from authsift.model import Confidence, Evidence, Family, Finding, Severity


class OAuthPkceDowngrade(Check):
    """A `code_verifier` is accepted for a code that was issued without a challenge.

    ## What it checks
    Where the server issues codes without PKCE at all, authorizes without `code_challenge`
    (as the configured client and test user) and redeems the code with a random
    `code_verifier`.

    ## Why it matters
    An attacker who stole a code issued without PKCE can replay it into a flow that the client
    protects with PKCE: the client sends its own verifier, and a server that accepts a verifier
    for an unbound code lets the injected code through. Checking "was there a challenge?" at
    the token endpoint closes that downgrade.

    ## Example
    `GET /authorize?response_type=code&…` (no challenge) → code; `POST /token …&code=…&
    code_verifier=<anything>` → `200` with tokens.

    ## Remediation
    At the token endpoint, reject a `code_verifier` when the code was issued without a
    `code_challenge` (and better: require PKCE for every authorization request).

    ## References
    RFC 9700 §2.1.1, §4.8.2 ("MUST ensure that if there was no code_challenge in the
    authorization request, a request to the token endpoint containing a code_verifier is
    rejected") · CWE-345

    ## Decision rule
    CHECKS.md #55: medium when the random verifier is accepted; safe on `invalid_grant` /
    `invalid_request`; not applicable (skipped, with the reason) when the server refuses to
    issue a code without a challenge — PKCE is mandatory there.
    """

    id = "oauth-pkce-downgrade"
    title = "PKCE downgrade: code_verifier accepted for a code issued without a challenge"
    family = Family.OAUTH
    severity = Severity.MEDIUM
    cwe = (345,)
    owasp = "API2:2023"
    needs = frozenset({"oauth", "client", "oauth_user"})
    granularity = "server"
    max_requests = 12
    expected_requests = 4

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        metadata = await require_metadata(ctx)
        client = client_settings(ctx)
        result = await Agent(ctx, metadata).authorize(
            authorization_params(ctx, code_challenge=None, code_challenge_method=None)
        )
        if not result.code:
            if result.error or result.error_page is not None:
                raise NotApplicable(
                    "the server refuses authorization requests without a code_challenge "
                    f"({result.error or result.stopped}): PKCE is mandatory"
                )
            raise Inconclusive(f"the flow without PKCE did not complete: {result.stopped}")
        fields = {
            "grant_type": "authorization_code",
            "code": result.code,
            "redirect_uri": str(client["redirect_uri"]),
            "code_verifier": pkce_pair()[0],
        }
        redeemed = await Agent(ctx, metadata).token(fields, client=client)
        if not token_answer(redeemed).get("access_token"):
            return
        yield ctx.finding(
            self,
            description=(
                "A code issued without any code_challenge was redeemed with a random "
                "code_verifier: a stolen unbound code can be injected into a PKCE-protected flow."
            ),
            evidence=[
                Evidence("authorization request without code_challenge", result.exchanges[0]),
                Evidence("code redeemed with a random code_verifier", redeemed),
            ],
            confidence=Confidence.CERTAIN,
            reproduce=redeemed,
            api_wide=True,
        )
