"""oauth-pkce-not-enforced (CHECKS.md #54); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.oauth._flow import (
    Agent,
    authorization_params,
    client_settings,
    issue_code,
    pkce_pair,
)
from authsift.checks.oauth._metadata import require_metadata
from authsift.checks.oauth._token import token_answer
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Severity


class OAuthPkceNotEnforced(Check):
    """Authorization code issued without PKCE, or redeemed without the right `code_verifier`.

    ## What it checks
    As the configured client, with the configured test user, runs real authorization-code
    flows: one with no `code_challenge` at all, redeemed without a `code_verifier`; then codes
    issued for an S256 challenge, redeemed with no verifier and with a random verifier. The
    server must refuse the first at the authorization endpoint (`invalid_request`) or the token
    endpoint, and the others at the token endpoint (`invalid_grant`).

    ## Why it matters
    PKCE binds the code to the client instance that asked for it. Without it, a code stolen
    from a redirect (a malicious app registered for the same scheme, a leaked log, a Referer)
    is redeemed by the thief; RFC 9700 makes PKCE the default defence against code injection
    for every client, confidential ones included.

    ## Example
    `GET /authorize?response_type=code&client_id=web&redirect_uri=…` without
    `code_challenge` → redirect with `code=…`; `POST /token grant_type=authorization_code&
    code=…` without `code_verifier` → `200` with an access token.

    ## Remediation
    Require `code_challenge` (S256) on every authorization request of every client, store it
    with the code and compare `code_verifier` at the token endpoint (RFC 7636 §4.6).

    ## References
    RFC 7636 §4.4.1, §4.6 · RFC 9700 §2.1.1 ("MUST enforce the correct usage of
    code_verifier") · ASVS 5.0 V10.4.6 · CWE-345

    ## Decision rule
    CHECKS.md #54: vulnerable when a code issued for a challenge is redeemed with a missing or
    wrong verifier, or a code issued without a challenge is redeemed without one — high for a
    public client, medium for a confidential one (its secret still stands between a thief and
    the token). Safe when every variant is refused. Inconclusive when no well-formed flow
    completes (no test user, a login form not understood).
    """

    id = "oauth-pkce-not-enforced"
    title = "PKCE not enforced: authorization code redeemed without its verifier"
    family = Family.OAUTH
    severity = Severity.HIGH
    cwe = (345,)
    owasp = "API2:2023"
    needs = frozenset({"oauth", "client", "oauth_user"})
    granularity = "server"
    max_requests = 40
    expected_requests = 14

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        metadata = await require_metadata(ctx)
        client = client_settings(ctx)
        accepted: list[tuple[str, list[Evidence], Exchange]] = []

        without = await Agent(ctx, metadata).authorize(
            authorization_params(ctx, code_challenge=None, code_challenge_method=None)
        )
        if without.code:
            fields = {
                "grant_type": "authorization_code",
                "code": without.code,
                "redirect_uri": str(client["redirect_uri"]),
            }
            redeemed = await Agent(ctx, metadata).token(fields, client=client)
            if token_answer(redeemed).get("access_token"):
                evidence = [
                    Evidence("authorization request without code_challenge", without.exchanges[0]),
                    Evidence("its code redeemed without code_verifier", redeemed),
                ]
                accepted.append(
                    (
                        "a code issued without any challenge, redeemed without a verifier",
                        evidence,
                        redeemed,
                    )
                )
        elif not without.redirected and without.error_page is None:
            raise Inconclusive(f"the flow without PKCE did not complete: {without.stopped}")

        for label, verifier in (
            ("no code_verifier", None),
            ("a random code_verifier", pkce_pair()[0]),
        ):
            issued = await issue_code(Agent(ctx, metadata))
            fields = issued.fields()
            if verifier is None:
                del fields["code_verifier"]
            else:
                fields["code_verifier"] = verifier
            reply = await Agent(ctx, metadata).token(fields, client=client)
            if token_answer(reply).get("access_token"):
                evidence = [Evidence(f"code for an S256 challenge redeemed with {label}", reply)]
                accepted.append(
                    (f"a code issued for an S256 challenge, redeemed with {label}", evidence, reply)
                )
        if not accepted:
            return
        public = not client.get("client_secret") or client.get("auth_method") == "none"
        yield ctx.finding(
            self,
            description="PKCE is not enforced for client "
            f"{client['client_id']}: " + "; ".join(text for text, _, _ in accepted) + ".",
            evidence=[item for _, evidence, _ in accepted for item in evidence],
            confidence=Confidence.CERTAIN,
            severity=Severity.HIGH if public else Severity.MEDIUM,
            reproduce=accepted[0][2],
            details={"client_id": client["client_id"], "accepted": [t for t, _, _ in accepted]},
            api_wide=True,
        )
