"""oauth-pkce-support-and-plain (CHECKS.md #53); the user-facing doc is the class docstring."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context
from authsift.checks.oauth._flow import Agent, authorization_params, client_settings
from authsift.checks.oauth._metadata import require_metadata
from authsift.checks.oauth._token import token_answer
from authsift.model import Confidence, Evidence, Family, Finding, Severity


class OAuthPkceSupportAndPlain(Check):
    """PKCE is not advertised, or the `plain` method is accepted.

    ## What it checks
    Reads `code_challenge_methods_supported` (absent: the server does not say it supports
    PKCE, RFC 8414 §2). Then, as the configured client and test user, authorizes with
    `code_challenge_method=plain`, and with a `code_challenge` but no method (which RFC 7636
    §4.3 defines as `plain`), and redeems any code with `code_verifier` equal to the challenge.

    ## Why it matters
    With `plain`, the challenge *is* the verifier: anyone who sees the authorization request
    (browser history, a proxy, a malicious app on the device) can redeem the code, which is
    what PKCE exists to prevent. Only S256 protects the code.

    ## Example
    `GET /authorize?…&code_challenge=abc…&code_challenge_method=plain` → code; `POST /token
    …&code_verifier=abc…` → `200` with tokens.

    ## Remediation
    Accept S256 only: refuse `plain` and a challenge without a method with `invalid_request`,
    and advertise `"code_challenge_methods_supported": ["S256"]`.

    ## References
    RFC 7636 §4.2, §4.3, §7.2 · RFC 9700 §2.1.1 ("Currently, S256 is the only such method") ·
    ASVS 5.0 V10.4.6 · CWE-327

    ## Decision rule
    CHECKS.md #53: medium when a plain flow completes (tokens for verifier = challenge); low
    when the metadata advertises no S256 or lists `plain` but the active flows are refused;
    safe when S256 is advertised and plain is refused with an error.
    """

    id = "oauth-pkce-support-and-plain"
    title = "PKCE plain method accepted"
    family = Family.OAUTH
    severity = Severity.MEDIUM
    cwe = (327,)
    owasp = "API2:2023"
    needs = frozenset({"oauth", "client", "oauth_user"})
    granularity = "server"
    max_requests = 24
    expected_requests = 4

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        metadata = await require_metadata(ctx)
        client = client_settings(ctx)
        for label, method in (
            ("code_challenge_method=plain", "plain"),
            ("no code_challenge_method", None),
        ):
            challenge = secrets.token_urlsafe(48)  # a valid verifier, used as its own challenge
            result = await Agent(ctx, metadata).authorize(
                authorization_params(ctx, code_challenge=challenge, code_challenge_method=method)
            )
            if not result.code:
                continue
            fields = {
                "grant_type": "authorization_code",
                "code": result.code,
                "redirect_uri": str(client["redirect_uri"]),
                "code_verifier": challenge,
            }
            redeemed = await Agent(ctx, metadata).token(fields, client=client)
            if token_answer(redeemed).get("access_token"):
                yield ctx.finding(
                    self,
                    description=(
                        f"An authorization request with {label} got a code that was redeemed "
                        "with code_verifier equal to the challenge: whoever sees the request "
                        "can redeem the code."
                    ),
                    evidence=[
                        Evidence(f"authorization request with {label}", result.exchanges[0]),
                        Evidence("code redeemed with verifier = challenge", redeemed),
                    ],
                    confidence=Confidence.CERTAIN,
                    reproduce=redeemed,
                    details={"variant": label},
                    api_wide=True,
                )
                return
        methods = metadata.listed("code_challenge_methods_supported")
        remark = None
        if methods is None:
            remark = "the metadata does not advertise PKCE (no code_challenge_methods_supported)"
        elif "S256" not in methods:
            remark = f"the metadata advertises {methods} without S256"
        elif "plain" in methods:
            remark = "the metadata lists plain beside S256 (the active flows were refused)"
        if remark:
            yield ctx.finding(
                self,
                title="PKCE support not advertised as S256-only",
                description=remark[0].upper() + remark[1:] + ".",
                evidence=[
                    Evidence(f"{doc.kind} document", doc.exchange) for doc in metadata.published
                ],
                confidence=Confidence.FIRM,
                severity=Severity.LOW,
                reproduce=metadata.published[0].exchange,
                api_wide=True,
            )
