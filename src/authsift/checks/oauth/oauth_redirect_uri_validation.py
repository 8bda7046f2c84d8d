"""oauth-redirect-uri-validation (CHECKS.md #56); the user-facing doc is the class docstring."""

from __future__ import annotations

import ipaddress
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass

from authsift.checks.base import Check, Context
from authsift.checks.oauth._flow import (
    Agent,
    AuthorizationResult,
    authorization_params,
    client_settings,
    issue_code,
)
from authsift.checks.oauth._metadata import require_metadata
from authsift.model import Confidence, Evidence, Family, Finding, Severity

_ATTACKER = "authsift-attacker.example"  # a reserved-looking name nobody is asked to reach


@dataclass(frozen=True, slots=True)
class Variant:
    label: str
    uri: str
    severity: Severity
    params: tuple[tuple[str, str], ...] = ()  # extra authorization parameters


def variants(registered: str) -> list[Variant]:
    """Redirect URIs that differ from the registered one the ways RFC 9700 §4.1 lists."""
    parts = urllib.parse.urlsplit(registered)
    host, port = parts.hostname or "", parts.port
    path = parts.path or "/"

    def uri(
        scheme: str = parts.scheme,
        netloc: str = parts.netloc,
        new_path: str = path,
        query: str = "",
    ) -> str:
        return urllib.parse.urlunsplit((scheme, netloc, new_path, query, ""))

    other_port = f"{host}:{(port or 443) + 1}"
    found = [
        Variant("a foreign host", uri(netloc=_ATTACKER), Severity.CRITICAL),
        Variant(
            "a subdomain of the registered host", uri(netloc=f"authsift.{host}"), Severity.CRITICAL
        ),
        Variant(
            "the registered host as a prefix of another",
            uri(netloc=f"{host}.{_ATTACKER}"),
            Severity.CRITICAL,
        ),
        Variant(
            "the registered host as userinfo", uri(netloc=f"{host}@{_ATTACKER}"), Severity.CRITICAL
        ),
        Variant("a longer path", uri(new_path=path.rstrip("/") + "/authsift"), Severity.HIGH),
        Variant("a path extended without a slash", uri(new_path=path + ".authsift"), Severity.HIGH),
        Variant("a path with /../", uri(new_path=path.rstrip("/") + "/../authsift"), Severity.HIGH),
        Variant("an added query", uri(query=f"next=//{_ATTACKER}"), Severity.HIGH),
        Variant(
            "a foreign host with an invalid scope (error redirect)",
            uri(netloc=_ATTACKER),
            Severity.CRITICAL,
            (("scope", "authsift-invalid-scope"),),
        ),
    ]
    if not _loopback_literal(host):
        # RFC 8252 §7.3: for a loopback IP literal the server "MUST allow any port"
        found.append(Variant("another port", uri(netloc=other_port), Severity.MEDIUM))
    if parts.scheme == "https":
        found.append(Variant("http instead of https", uri(scheme="http"), Severity.MEDIUM))
    return found


def _loopback_literal(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OAuthRedirectUriValidation(Check):
    """The authorization server redirects to a URI that is not exactly a registered one.

    ## What it checks
    Starting from the configured client's registered `redirect_uri`, sends authorization
    requests (state, PKCE S256, signed in as the test user when the server asks) whose
    `redirect_uri` is: a foreign host, a subdomain, the registered host as a prefix of another
    host or as userinfo, a longer path, a path extended without a slash, `/../`, an added
    query, another port, `http` instead of `https`, and a foreign host together with an invalid
    scope (the error path). A redirect to the variant — before or after sign-in, with a code or
    with an error — counts; an error page without a redirect is the right answer.

    ## Why it matters
    The redirect URI is where the code (or token) goes. A prefix or pattern match lets an
    attacker send a victim through the real sign-in and collect their code on a host they
    control — account takeover with one link; an error redirect to any URI is an open
    redirector with the server's reputation.

    ## Example
    Registered `https://app.example/cb`;
    `GET /authorize?…&redirect_uri=https://app.example/cb.evil.example/x` →
    `302 Location: https://app.example/cb.evil.example/x?code=…`.

    ## Remediation
    Compare `redirect_uri` with the registered values by exact string matching (RFC 3986
    §6.2.1 simple comparison; only the port of a loopback IP redirect URI may vary, RFC 8252
    §7.3 — so that variant is not tried for one), and show an error page — never a redirect —
    when it does not match.

    ## References
    RFC 9700 §2.1, §4.1.3 ("MUST utilize exact string matching"), §4.11.2 · RFC 6749 §3.1.2,
    §4.1.2.1 ("MUST NOT automatically redirect … to the invalid redirection URI"), §10.6 ·
    ASVS 5.0 V10.4.1 · CWE-601

    ## Decision rule
    CHECKS.md #56: critical when a foreign host (or the registered host as a prefix, userinfo
    or subdomain) receives the redirect, high for the same host with another path or query,
    medium for another scheme or port; one finding listing every accepted variant at the worst
    severity; safe when every variant gets an error without a redirect.
    """

    id = "oauth-redirect-uri-validation"
    title = "Redirect URI not matched exactly"
    family = Family.OAUTH
    severity = Severity.CRITICAL
    cwe = (601,)
    owasp = "API2:2023"
    needs = frozenset({"oauth", "client", "oauth_user"})
    granularity = "server"
    max_requests = 80
    expected_requests = 16

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        metadata = await require_metadata(ctx)
        registered = str(client_settings(ctx)["redirect_uri"])
        agent = Agent(ctx, metadata)  # one user agent: it signs in once
        await issue_code(agent)  # proves the flow works, and leaves the agent signed in
        accepted: list[tuple[Variant, AuthorizationResult]] = []
        for variant in variants(registered):
            params = authorization_params(ctx, redirect_uri=variant.uri, **dict(variant.params))
            result = await agent.authorize(params, redirect_uri=variant.uri)
            if _sent_to(result, variant.uri):
                accepted.append((variant, result))
        if not accepted:
            return
        worst = max(variant.severity for variant, _ in accepted)
        yield ctx.finding(
            self,
            description=(
                f"The authorization server redirected to redirect_uri values that are not the "
                f"registered {registered!r}: "
                + "; ".join(f"{v.label} ({v.uri})" for v, _ in accepted)
                + "."
            ),
            evidence=[
                Evidence(f"redirect_uri with {variant.label}", result.exchanges[-1])
                for variant, result in accepted[:4]
            ],
            confidence=Confidence.CERTAIN,
            severity=worst,
            reproduce=accepted[0][1].exchanges[0],
            details={
                "registered": registered,
                "accepted": [
                    {"variant": v.label, "redirect_uri": v.uri, "severity": str(v.severity)}
                    for v, _ in accepted
                ],
            },
            api_wide=True,
        )


def _sent_to(result: AuthorizationResult, uri: str) -> bool:
    """The server redirected the user agent to exactly `uri` (plus its response parameters)."""
    location = result.location
    if not location:
        return False
    if "?" in uri:
        return location == uri or location.startswith(uri + "&") or location.startswith(uri + "#")
    return location.split("#", 1)[0].split("?", 1)[0] == uri
