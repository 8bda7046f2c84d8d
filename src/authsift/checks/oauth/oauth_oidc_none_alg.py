"""oauth-oidc-none-alg (CHECKS.md #58); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.analysis.wording import sentence
from authsift.checks.base import Check, Context
from authsift.checks.oauth._flow import Agent, issue_code
from authsift.checks.oauth._metadata import ServerMetadata, oauth_settings, require_metadata
from authsift.checks.oauth._token import token_answer
from authsift.jose import JoseError, parse_compact
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Severity

_ALG_LISTS = (
    "id_token_signing_alg_values_supported",
    "userinfo_signing_alg_values_supported",
    "request_object_signing_alg_values_supported",
    "token_endpoint_auth_signing_alg_values_supported",
    "introspection_endpoint_auth_signing_alg_values_supported",
    "revocation_endpoint_auth_signing_alg_values_supported",
)


class OAuthOidcNoneAlg(Check):
    """Unsigned (`alg: none`) ID tokens issued, or `none` advertised for signatures.

    ## What it checks
    Looks for `none` in every `*_signing_alg_values_supported` list of the metadata (ID
    tokens, UserInfo, request objects, client assertions at the token, introspection and
    revocation endpoints); with a test user, runs one authorization-code flow and reads the
    `alg` of the ID token actually issued.

    ## Why it matters
    An unsigned ID token proves nothing: anyone can write one naming any user, and a relying
    party that accepts what its provider issues will accept the forgery. `none` for client
    assertions or request objects lets anyone act as a client.

    ## Example
    The token endpoint returns `"id_token": "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIi…."` (header
    `{"alg":"none"}`, empty signature).

    ## Remediation
    Sign every ID token (RS256/ES256/PS256) and remove `none` from every
    `*_signing_alg_values_supported` list; reject unsigned request objects and client
    assertions.

    ## References
    OIDC Core §2, §3.1.3.7 · OIDC Discovery §3 · RFC 8414 §2 ("none" MUST NOT be used for
    endpoint authentication) · RFC 8725 §3.2 · CWE-347

    ## Decision rule
    CHECKS.md #58: high when an issued ID token is unsigned or `none` is advertised for client
    assertions at an endpoint; medium when `none` is advertised for ID tokens while ID tokens
    are issued; low when only advertised elsewhere. Safe when `none` appears nowhere and the
    issued ID token is signed. The opt-in active registration of a `none` client is not done.
    """

    id = "oauth-oidc-none-alg"
    title = "Unsigned ID tokens (alg none) issued or advertised"
    family = Family.OAUTH
    severity = Severity.HIGH
    cwe = (347,)
    owasp = "API2:2023"
    needs = frozenset({"oauth"})
    granularity = "server"
    max_requests = 10
    expected_requests = 6

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        metadata = await require_metadata(ctx)
        issues: list[tuple[Severity, str]] = []
        evidence = [Evidence(f"{doc.kind} document", doc.exchange) for doc in metadata.published]
        reproduce: Exchange = metadata.published[0].exchange
        issued = await _issued_id_token(ctx, metadata)
        if issued is not None:
            alg, reply = issued
            if alg is not None and alg.lower() == "none":
                issues.append(
                    (Severity.HIGH, "the token endpoint issued an unsigned ID token (alg none)")
                )
                evidence.append(Evidence("token response with the unsigned ID token", reply))
                reproduce = reply
        for name in _ALG_LISTS:
            values = [v.lower() for v in metadata.listed(name) or []]
            if "none" not in values:
                continue
            if name.endswith("_endpoint_auth_signing_alg_values_supported"):
                issues.append((Severity.HIGH, f"{name} lists none (RFC 8414 §2: MUST NOT)"))
            elif name.startswith("id_token"):
                issues.append((Severity.MEDIUM, f"{name} lists none"))
            else:
                issues.append((Severity.LOW, f"{name} lists none"))
        if not issues:
            return
        worst = max(severity for severity, _ in issues)
        yield ctx.finding(
            self,
            description=sentence(*(text for _, text in issues)),
            evidence=evidence,
            confidence=Confidence.CERTAIN,
            severity=worst,
            reproduce=reproduce,
            details={"issues": [{"severity": str(s), "issue": t} for s, t in issues]},
            api_wide=True,
        )


async def _issued_id_token(
    ctx: Context, metadata: ServerMetadata
) -> tuple[str | None, Exchange] | None:
    """(alg, token response) of an ID token from one code flow; None without a client, user,
    `openid` scope or ID token."""
    settings = oauth_settings(ctx)
    if not settings.get("client") or not settings.get("user"):
        return None
    if "openid" not in str(settings.get("scope") or "").split():
        return None
    agent = Agent(ctx, metadata)
    issued = await issue_code(agent)
    reply = await agent.token(issued.fields(), client=settings["client"])
    id_token = token_answer(reply).get("id_token")
    if not isinstance(id_token, str):
        return None
    try:
        return parse_compact(id_token).alg, reply
    except JoseError:
        return None
