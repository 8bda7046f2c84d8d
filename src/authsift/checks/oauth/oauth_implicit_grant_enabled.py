"""oauth-implicit-grant-enabled (CHECKS.md #51); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.oauth._flow import (
    Agent,
    AuthorizationResult,
    authorization_params,
)
from authsift.checks.oauth._metadata import ServerMetadata, require_metadata
from authsift.model import Confidence, Evidence, Family, Finding, Severity

# RFC 6749 §4.2 and OIDC Core §3.2: the response types that put a token in the front channel
_TOKEN_RESPONSE_TYPES = ("token", "id_token token", "code token", "code id_token token")
_REFUSALS = frozenset({"unsupported_response_type", "unauthorized_client", "invalid_request"})


class OAuthImplicitGrantEnabled(Check):
    """The authorization server hands access tokens to the browser (implicit grant).

    ## What it checks
    Reads `response_types_supported` and `grant_types_supported` from the metadata (an absent
    `grant_types_supported` means the RFC 8414 default, which includes `implicit`), then asks
    the authorization endpoint, as the configured client and test user, for
    `response_type=token` (and, for OpenID providers, `id_token token`), each with `state` and
    `nonce`, and looks for an `access_token` in the redirect.

    ## Why it matters
    A token in the URL fragment lives in browser history, is readable by every script on the
    client's page and leaks through open redirectors; it cannot be sender-constrained and the
    client cannot tell whether it was injected. RFC 9700 says the implicit grant SHOULD NOT be
    used and OAuth 2.1 removes it.

    ## Example
    `GET /authorize?response_type=token&client_id=web&redirect_uri=…&state=…` → after sign-in,
    `302 Location: https://client.example/cb#access_token=…&token_type=Bearer`.

    ## Remediation
    Disable response types that return access tokens from the authorization endpoint; use the
    authorization code flow with PKCE for browser-based and native clients.

    ## References
    RFC 9700 §2.1.2 ("SHOULD NOT use the implicit grant"), §4.3.2 · RFC 6749 §4.2, §10.16 ·
    OAuth 2.1 §10.1 · ASVS 5.0 V10.4.4 · CWE-598

    ## Decision rule
    CHECKS.md #51: medium when an access token comes back from the authorization endpoint
    (in the query: the finding says so, it also leaks through logs and Referer); low when the
    metadata advertises a token response type but the active request is refused; safe when
    neither. Inconclusive when the flow cannot be completed and nothing is advertised.
    """

    id = "oauth-implicit-grant-enabled"
    title = "Implicit grant enabled: access tokens issued in the front channel"
    family = Family.OAUTH
    severity = Severity.MEDIUM
    cwe = (598,)
    owasp = "API2:2023"
    needs = frozenset({"oauth", "client", "oauth_user"})
    granularity = "server"
    max_requests = 20
    expected_requests = 3

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        metadata = await require_metadata(ctx)
        advertised = _advertised(metadata)
        undecided: list[str] = []
        tried: list[AuthorizationResult] = []
        for response_type in ("token", "id_token token"):
            if response_type == "id_token token" and "openid" not in _scope(ctx):
                continue
            result = await Agent(ctx, metadata).authorize(
                authorization_params(
                    ctx,
                    response_type=response_type,
                    code_challenge=None,
                    code_challenge_method=None,
                )
            )
            tried.append(result)
            if result.params.get("access_token"):
                where = result.delivery or "the redirect"
                yield ctx.finding(
                    self,
                    description=(
                        f"response_type={response_type} returned an access token in the "
                        f"{where} of the redirect to the client"
                        + (
                            " — in the query, where logs and Referer headers keep it"
                            if where == "query"
                            else ""
                        )
                        + "."
                    ),
                    evidence=[
                        Evidence(f"authorization request, response_type={response_type}", e)
                        for e in result.exchanges[:1]
                    ]
                    + [Evidence("the redirect carrying the token", result.exchanges[-1])],
                    confidence=Confidence.CERTAIN,
                    reproduce=result.exchanges[0],
                    details={
                        "response_type": response_type,
                        "delivery": where,
                        "advertised": advertised,
                    },
                    api_wide=True,
                )
                return
            if result.error not in _REFUSALS and not result.redirected:
                undecided.append(f"{response_type}: {result.error or result.stopped}")
        if advertised:
            yield ctx.finding(
                self,
                title="Implicit grant advertised in the metadata",
                description=(
                    "The metadata advertises " + ", ".join(advertised) + ", but the active "
                    "request did not return a token"
                    + (f" ({'; '.join(undecided)})" if undecided else "")
                    + "."
                ),
                evidence=[
                    Evidence(f"{doc.kind} document", doc.exchange) for doc in metadata.published
                ]
                + [Evidence("authorization request", r.exchanges[0]) for r in tried[:1]],
                confidence=Confidence.FIRM,
                severity=Severity.LOW,
                reproduce=metadata.published[0].exchange,
                details={"advertised": advertised},
                api_wide=True,
            )
            return
        if undecided and len(undecided) == len(tried):
            raise Inconclusive(
                "the token response types were neither refused nor answered: "
                + "; ".join(undecided)
            )


def _advertised(metadata: ServerMetadata) -> list[str]:
    found = [
        f"response type {kind!r}"
        for kind in metadata.listed("response_types_supported") or []
        if kind in _TOKEN_RESPONSE_TYPES
    ]
    grants = metadata.listed("grant_types_supported")
    if grants is not None and "implicit" in grants:
        found.append("grant type 'implicit'")
    elif grants is None:
        found.append("no grant_types_supported (RFC 8414 §2: the default includes implicit)")
    return found


def _scope(ctx: Context) -> list[str]:
    settings = ctx.facts.settings.get("oauth") or {}
    return str(settings.get("scope") or "").split()
