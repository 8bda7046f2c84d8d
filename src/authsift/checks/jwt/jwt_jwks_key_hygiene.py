"""jwt-jwks-key-hygiene (CHECKS.md #18); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from authsift.analysis.wording import human_list, human_value
from authsift.checks.base import Check, Context, CoveredElsewhere, Inconclusive
from authsift.checks.jwt._keys import Discovery, discover_keys
from authsift.model import Confidence, Evidence, Family, Finding, Severity

_OWNER = "jwt.jwks_hygiene_reported"
_MIN_RSA_BITS = 2048  # RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used"
_STANDARD_CURVES = frozenset({"P-256", "P-384", "P-521", "Ed25519", "Ed448"})


class JwksKeyHygiene(Check):
    """JWKS publishes private or symmetric key material, or weak keys.

    ## What it checks
    Reads the JWK Set (the `jwks_uri` of the OpenID/OAuth metadata, or
    `/.well-known/jwks.json`) and every key in it: private members (`d`, `p`, `q`, `dp`, `dq`,
    `qi`, `oth`) or symmetric `oct` keys with `k`; RSA moduli under 2048 bits; non-standard
    curves; one `kid` shared by keys of different types; a missing `use` when signature and
    encryption keys are mixed; a `jwks_uri` over plain `http:` (loopback addresses excepted:
    a local lab or sidecar never leaves the machine).

    ## Why it matters
    A published private exponent or HMAC key is the signing key itself: anyone can mint tokens
    the API accepts. A 1024-bit RSA key is within reach of factoring; sloppy key sets invite
    key confusion.

    ## Example
    `GET /.well-known/jwks.json` lists the retired key `lab-rs1024-2019`: RSA 1024 bits, with
    its private exponent `d`.

    ## Remediation
    Publish public members only (export with the public serializer), remove retired keys,
    use RSA ≥ 2048 bits or P-256, give every key a unique `kid` and a `use`, serve over HTTPS.

    ## References
    OIDC Discovery §3 (`jwks_uri` "MUST NOT contain private or symmetric key values") ·
    RFC 8414 §2 · RFC 7518 §3.3 · RFC 7517 §4 · CWE-321, CWE-326

    ## Decision rule
    CHECKS.md #18, passive (≤ 3 GETs, shared with the other jwt checks). Critical for private
    or symmetric key material, high for RSA under 2048 bits, low for the hygiene items; one
    finding per API with every issue listed, at the worst severity found. Inconclusive when
    no JWK Set is published where we looked.
    """

    id = "jwt-jwks-key-hygiene"
    title = "JWKS exposes private, symmetric or weak keys"
    family = Family.JWT
    severity = Severity.CRITICAL
    cwe = (321, 326)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    max_requests = 4
    # One task per scan reviews the key set (~3 requests, shared key discovery); the others
    # end at once: 1 per task on average
    expected_requests = 1

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        if _OWNER in ctx.shared:
            owner = ctx.shared[_OWNER]
            raise CoveredElsewhere(f"the JWK Set is reviewed once per scan, on {owner}")
        ctx.shared[_OWNER] = ctx.operation.key if ctx.operation else "the API"
        discovery = await discover_keys(ctx)
        if not discovery.key_sets:
            raise Inconclusive("no JWK Set found (jwks_uri metadata, /.well-known/jwks.json)")
        issues = review(discovery)
        if not issues:
            return
        worst = max(severity for severity, _ in issues)
        yield ctx.finding(
            self,
            title=None if worst is Severity.CRITICAL else "JWKS key hygiene problems",
            description="The published JWK Set has: " + "; ".join(text for _, text in issues) + ".",
            evidence=[Evidence(f"JWK Set at {k.url}", k.exchange) for k in discovery.key_sets],
            confidence=Confidence.CERTAIN,
            severity=worst,
            reproduce=discovery.key_sets[0].exchange,
            details={"issues": [{"severity": str(s), "issue": t} for s, t in issues]},
            api_wide=True,
        )


def review(discovery: Discovery) -> list[tuple[Severity, str]]:
    """Every hygiene issue of the fetched key sets, with its CHECKS.md #18 severity."""
    issues: list[tuple[Severity, str]] = []
    kid_types: dict[str, set[str]] = {}
    for key_set in discovery.key_sets:
        uses: set[Any] = set()
        for entry in key_set.entries:
            name = f"key {entry.kid or '(no kid)'} ({entry.kty})"
            if entry.private_members:
                members = ", ".join(entry.private_members)
                issues.append((Severity.CRITICAL, f"{name} publishes private members {members}"))
            if entry.kty == "oct" and "k" in entry.raw:
                issues.append((Severity.CRITICAL, f"{name} is a symmetric key with its value k"))
            if (
                entry.kty == "RSA"
                and entry.size_bits is not None
                and entry.size_bits < _MIN_RSA_BITS
            ):
                issues.append((Severity.HIGH, f"{name} is RSA {entry.size_bits} bits (< 2048)"))
            curve = entry.raw.get("crv")
            if entry.kty in ("EC", "OKP") and curve not in _STANDARD_CURVES:
                what = f"the non-standard curve {human_value(curve)}" if curve else "no curve"
                issues.append((Severity.LOW, f"{name} uses {what}"))
            if entry.kid is not None:
                kid_types.setdefault(entry.kid, set()).add(entry.kty)
            uses.add(entry.use)
        if "enc" in uses and None in uses:
            issues.append(
                (Severity.LOW, f"{key_set.url} mixes encryption keys with keys lacking `use`")
            )
    for kid, types in kid_types.items():
        if len(types) > 1:
            issues.append(
                (
                    Severity.LOW,
                    f"kid {human_value(kid)} is shared by key types "
                    f"{human_list(types, quote=False)}",
                )
            )
    for uri in discovery.jwks_uris:
        if uri.startswith("http:") and not _is_loopback(uri):
            issues.append((Severity.LOW, f"jwks_uri {uri} is served over plain http"))
    return issues


def _is_loopback(uri: str) -> bool:
    from ipaddress import ip_address
    from urllib.parse import urlsplit

    host = urlsplit(uri).hostname or ""
    try:
        return host == "localhost" or ip_address(host).is_loopback
    except ValueError:
        return False
