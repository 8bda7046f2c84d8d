"""oauth-pkce-not-enforced (CHECKS.md #54); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, CoveredElsewhere, Inconclusive
from authsift.checks.oauth._flow import (
    Agent,
    AuthorizationResult,
    authorization_params,
    client_settings,
    pkce_pair,
    token_answer,
)
from authsift.checks.oauth._metadata import require_metadata
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Severity

_OWNER = "oauth.pkce_enforcement_tested"


class OAuthPkceNotEnforced(Check):
    """Authorization code issued without PKCE, or redeemed without the right `code_verifier`.

    ## What it checks
    As the configured client, with the configured test user, runs two authorization-code
    flows: one with no `code_challenge` at all, redeemed without a `code_verifier`; one with an
    S256 challenge, redeemed with a *wrong* verifier. The server must refuse the first at the
    authorization endpoint (or at the token endpoint) and the second at the token endpoint.

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
    RFC 7636 §4.4–§4.6 · RFC 9700 §2.1.1 ("MUST use PKCE"), §4.5 · OAuth 2.1 §4.1.1 ·
    CWE-345, CWE-287

    ## Decision rule
    CHECKS.md #54. High when a code issued without a challenge is redeemed without a verifier,
    or a code issued with a challenge is redeemed with a wrong verifier; safe when the server
    refuses either at the authorization or the token endpoint. Inconclusive when the flow
    cannot complete (no test user, the login form not understood, no code for the well-formed
    request either).
    """

    id = "oauth-pkce-not-enforced"
    title = "PKCE not enforced: authorization code redeemed without its verifier"
    family = Family.OAUTH
    severity = Severity.HIGH
    cwe = (345, 287)
    owasp = "API2:2023"
    needs = frozenset({"oauth", "client", "oauth_user"})
    granularity = "api"
    max_requests = 40
    expected_requests = 16

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        if _OWNER in ctx.shared:
            raise CoveredElsewhere(
                f"PKCE enforcement is tested once per scan, on {ctx.shared[_OWNER]}"
            )
        ctx.shared[_OWNER] = ctx.operation.key if ctx.operation else "the API"
        metadata = await require_metadata(ctx)
        client = client_settings(ctx)
        problems: list[tuple[str, list[Evidence], Exchange]] = []

        without = await Agent(ctx, metadata).authorize(
            authorization_params(ctx, code_challenge=None, code_challenge_method=None)
        )
        if without.code:
            redeemed = await Agent(ctx, metadata).token(
                _code_fields(without, client), client=client
            )
            if token_answer(redeemed).get("access_token"):
                problems.append(
                    (
                        "a code issued without any code_challenge was redeemed without a "
                        "code_verifier",
                        [
                            Evidence("authorization request without PKCE", without.exchanges[0]),
                            Evidence("code redeemed without code_verifier", redeemed),
                        ],
                        redeemed,
                    )
                )
        elif not without.redirected and not without.error_page:
            raise Inconclusive(f"the flow without PKCE did not complete: {without.stopped}")

        verifier, challenge = pkce_pair()
        with_challenge = await Agent(ctx, metadata).authorize(
            authorization_params(ctx, code_challenge=challenge)
        )
        if not with_challenge.code:
            raise Inconclusive(
                "no code even for a well-formed request with PKCE S256: "
                + (with_challenge.error or with_challenge.stopped or "no code in the redirect")
            )
        wrong = await Agent(ctx, metadata).token(
            {**_code_fields(with_challenge, client), "code_verifier": pkce_pair()[0]},
            client=client,
        )
        if token_answer(wrong).get("access_token"):
            problems.append(
                (
                    "a code issued for an S256 challenge was redeemed with a wrong code_verifier",
                    [Evidence("code redeemed with another verifier", wrong)],
                    wrong,
                )
            )
        del verifier
        if not problems:
            return
        evidence = [item for _, exchanges, _ in problems for item in exchanges]
        yield ctx.finding(
            self,
            description="PKCE is not enforced: " + "; ".join(text for text, _, _ in problems) + ".",
            evidence=evidence,
            confidence=Confidence.CERTAIN,
            reproduce=problems[0][2],
            details={"client_id": client["client_id"], "problems": [t for t, _, _ in problems]},
            api_wide=True,
        )


def _code_fields(result: AuthorizationResult, client: dict[str, object]) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": result.code or "",
        "redirect_uri": str(client["redirect_uri"]),
    }
