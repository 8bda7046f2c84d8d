"""oauth-metadata-issuer-validation (CHECKS.md #50); the user-facing doc is the class docstring."""

from __future__ import annotations

import ipaddress
import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

from authsift.analysis.wording import human_value
from authsift.checks.base import Check, Context
from authsift.checks.hygiene import remember_hygiene
from authsift.checks.oauth._metadata import ServerMetadata, server_metadata
from authsift.model import Confidence, Evidence, Family, Finding, Severity


class OAuthMetadataIssuerValidation(Check):
    """Authorization-server metadata names another issuer, or sends clients over plain HTTP.

    ## What it checks
    Reads both well-known documents of the configured issuer (`oauth.issuer`):
    `/.well-known/openid-configuration` appended to it and `/.well-known/oauth-authorization-server`
    inserted before its path. In each: `issuer` is identical to the configured issuer; it is
    `https` without query or fragment; every endpoint URL (`*_endpoint`, `jwks_uri`) is `https`;
    the two documents agree where both publish a value;
    `authorization_response_iss_parameter_supported` is advertised (the mix-up defence).
    Plain `http` on a loopback address is reported as info only: a local test deployment
    never leaves the machine.

    ## Why it matters
    Clients trust these documents to tell them where to send users and codes. A document that
    names another issuer lets a malicious server impersonate the real one (mix-up attacks); an
    `http` endpoint exposes codes, tokens and passwords to anyone on the path.

    ## Example
    `GET /.well-known/openid-configuration` → `"issuer": "https://login.example"` for the
    configured issuer `https://idp.example`, and `"token_endpoint": "http://idp.example/token"`.

    ## Remediation
    Publish `issuer` exactly as clients are configured with it, every endpoint over HTTPS, the
    same values in both documents, and advertise and send the `iss` authorization response
    parameter (RFC 9207).

    ## References
    RFC 8414 §2, §3, §3.3 ("MUST be identical") · OIDC Discovery §3, §4.3 · RFC 9207 · RFC 9700
    §2.6, §4.4 · CWE-346, CWE-319

    ## Decision rule
    CHECKS.md #50, passive (2 GETs, shared with the other oauth checks). High for an `issuer`
    that differs from the configured one, or `http` on a non-loopback host; medium when the two
    documents disagree. One finding per scan with every issue listed, at the worst severity.
    No metadata at all, plain `http` on loopback and no RFC 9207 `iss` parameter are remarks in
    the report's hygiene section, not findings.
    """

    id = "oauth-metadata-issuer-validation"
    title = "Authorization-server metadata issuer mismatch or non-TLS endpoints"
    family = Family.OAUTH
    severity = Severity.HIGH
    cwe = (346, 319)
    owasp = "API2:2023"
    needs = frozenset({"oauth"})
    granularity = "server"
    max_requests = 2
    expected_requests = 2

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        metadata = await server_metadata(ctx)
        every = review(metadata)
        for _, remark in (item for item in every if item[0] is Severity.INFO):
            remember_hygiene(
                ctx, check_id=self.id, subject=metadata.issuer, remark=remark, reference="RFC 8414"
            )
        issues = [item for item in every if item[0] is not Severity.INFO]
        if not issues:
            return
        worst = max(severity for severity, _ in issues)
        shown = metadata.published or metadata.documents
        yield ctx.finding(
            self,
            title=None if worst >= Severity.HIGH else "Authorization-server metadata inconsistent",
            description="The authorization server's metadata: "
            + "; ".join(text for _, text in issues)
            + ".",
            evidence=[Evidence(f"{doc.kind} document", doc.exchange) for doc in shown],
            confidence=Confidence.CERTAIN,
            severity=worst,
            reproduce=shown[0].exchange,
            details={"issues": [{"severity": str(s), "issue": t} for s, t in issues]},
            api_wide=True,
        )


def review(metadata: ServerMetadata) -> list[tuple[Severity, str]]:
    """Every metadata issue with its CHECKS.md #50 severity."""
    published = metadata.published
    if not published:
        return [(Severity.INFO, "no metadata document is published at either well-known URL")]
    issues: list[tuple[Severity, str]] = []
    for doc in published:
        body = doc.body or {}
        issuer = body.get("issuer")
        if issuer != metadata.issuer:
            issues.append(
                (
                    Severity.HIGH,
                    f"the {doc.kind} document names the issuer {human_value(issuer)}, not the "
                    f"configured {metadata.issuer!r} (RFC 8414 §3.3: MUST be identical)",
                )
            )
    issues.extend(_transport_issues(metadata.merged))
    issues.extend(_disagreements(metadata))
    if metadata.merged.get("authorization_response_iss_parameter_supported") is not True:
        issues.append(
            (Severity.INFO, "the RFC 9207 `iss` authorization response parameter is not advertised")
        )
    return issues


def _transport_issues(merged: dict[str, Any]) -> list[tuple[Severity, str]]:
    issues: list[tuple[Severity, str]] = []
    issuer = merged.get("issuer")
    if isinstance(issuer, str):
        parts = urllib.parse.urlsplit(issuer)
        if parts.query or parts.fragment:
            issues.append((Severity.HIGH, f"the issuer {issuer!r} has a query or fragment"))
    urls = {
        name: value
        for name, value in merged.items()
        if isinstance(value, str)
        and (name == "issuer" or name.endswith(("_endpoint", "_uri")))
        and value.startswith("http")
    }
    plain = sorted(name for name, value in urls.items() if value.startswith("http://"))
    remote = [name for name in plain if not _loopback(urls[name])]
    if remote:
        issues.append((Severity.HIGH, "plain http for " + ", ".join(remote)))
    local = [name for name in plain if name not in remote]
    if local:
        issues.append((Severity.INFO, "plain http on a loopback address for " + ", ".join(local)))
    return issues


def _disagreements(metadata: ServerMetadata) -> list[tuple[Severity, str]]:
    bodies = [doc.body or {} for doc in metadata.published]
    if len(bodies) < 2:
        return []
    first, second = bodies[0], bodies[1]
    differing = sorted(key for key in first.keys() & second.keys() if first[key] != second[key])
    if not differing:
        return []
    return [(Severity.MEDIUM, "the two documents disagree on " + ", ".join(differing))]


def _loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
