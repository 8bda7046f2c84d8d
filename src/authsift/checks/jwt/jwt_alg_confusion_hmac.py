"""jwt-alg-confusion-hmac (CHECKS.md #8); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.jwt._chain import SigningPower, report_recovery, signer_from_forgery
from authsift.checks.jwt._common import open_probe, try_forgeries
from authsift.checks.jwt._keys import discover_keys
from authsift.jose import CompactJws, hmac_confusion
from authsift.model import Family, Finding, Severity

_ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
# CHECKS.md #8 budgets ≤ 40 requests: key encodings × HS256/384/512 for the token's own key.
_MAX_FORGERIES = 36


def _is_asymmetric(jws: CompactJws) -> bool:
    return jws.alg in _ASYMMETRIC


class AlgConfusionHmac(Check):
    """Public key used as an HMAC secret (RS/ES/PS → HS algorithm confusion).

    ## What it checks
    For a token signed with RS\\*, PS\\*, ES\\* or EdDSA, fetches the published public keys (JWKS at
    `/.well-known/jwks.json` or the `jwks_uri` of the OpenID/OAuth metadata), and re-signs the
    token's header (alg → HS256/384/512, `kid` kept) and payload with every common serialization
    of the key as the HMAC secret: PEM SPKI with and without the trailing newline, PEM PKCS#1,
    DER SPKI, the JWK JSON and the OpenSSH line.

    ## Why it matters
    A verifier that takes the algorithm from the token and hands the loaded "key" to HMAC
    verifies attacker tokens with a secret everyone can download: full impersonation.
    Once accepted, authsift uses the key to test what only a key holder can (expired, foreign
    `iss`/`aud`, another user's `sub`).

    ## Example
    `GET /me` with `{"alg":"HS256","kid":"lab-rs256-2026"}` signed with the RSA key's PEM →
    `200 OK` with alice's profile.

    ## Remediation
    Bind each key to exactly one algorithm and pass that allowlist to the library; never let
    the token's `alg` pick the verification method.

    ## References
    RFC 8725 §2.1, §3.1 · ASVS 5.0 V9.1.2 · WSTG-SESS-10 · CVE-2015-9235 · CVE-2016-10555 ·
    CVE-2022-29217 · CVE-2023-48238 · CVE-2024-54150 · CWE-347, CWE-327

    ## Decision rule
    CHECKS.md #8: inconclusive when no public key can be obtained; vulnerable when a candidate
    is *accepted* by the shared judge and reproduces on two re-sends with junk controls; safe
    only when all are refused. Only the key named by the token's `kid` is tried when it is
    published (else every key, up to 36 forgeries).
    """

    id = "jwt-alg-confusion-hmac"
    title = "JWT algorithm confusion: public key accepted as HMAC secret"
    family = Family.JWT
    severity = Severity.CRITICAL
    cwe = (347, 327)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    max_requests = 112
    # The first probe operation tries the key encodings (~40 requests), the next reuse the one
    # that worked (~5), one no identity can use costs 0 (measured: benchmarks/estimate_accuracy.py)
    expected_requests = 15

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        probe = await open_probe(ctx, _is_asymmetric, "an RS/PS/ES/EdDSA token")
        discovery = await discover_keys(ctx, probe.jws.header.get("jku"))
        keys = discovery.public_keys(probe.jws.header.get("kid"))
        if not keys:
            raise Inconclusive("no public key found (JWKS, jwks_uri): nothing to confuse with")

        def forge(token: str) -> list[tuple[str, str]]:
            return hmac_confusion(token, keys)[:_MAX_FORGERIES]

        trial = await try_forgeries(ctx, probe, forge(probe.token))
        accepted = trial.accepted
        if accepted is None:
            trial.require_decision()
            return
        power = SigningPower(
            self.id,
            f"public key as HMAC secret, {accepted.label}",
            signer_from_forgery(forge, probe.jws, accepted.label),
        )
        details: dict[str, Any] = {"keys_from": [k.url for k in discovery.key_sets]}
        async for finding in report_recovery(
            ctx,
            self,
            probe,
            accepted,
            power,
            description=(
                f"{probe.operation.key} accepted {probe.identity}'s claims re-signed "
                f"{accepted.label}: the verifier used the published public key as an HMAC "
                f"secret. It {accepted.judgement.reason}."
            ),
            details=details,
        ):
            yield finding
