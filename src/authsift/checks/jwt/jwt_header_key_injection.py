"""jwt-header-key-injection (CHECKS.md #10); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context
from authsift.checks.jwt._chain import SigningPower, report_recovery, signer_from_forgery
from authsift.checks.jwt._common import open_probe, try_forgeries
from authsift.jose import embedded_jwk
from authsift.model import Family, Finding, Severity


class HeaderKeyInjection(Check):
    """Key embedded in the token's `jwk` or `x5c` header is trusted.

    ## What it checks
    Signs the identity's claims with freshly generated RSA-2048 and P-256 keys and puts the
    public key in the header `jwk` (with the original `kid` kept and removed, RS256 and ES256),
    and once as a self-signed certificate in `x5c` named after the issuer.

    ## Why it matters
    A verifier that uses the key the token brings along verifies every token anyone signs:
    complete impersonation (CVE-2018-0114).

    ## Example
    `GET /me` with `{"alg":"RS256","jwk":{<our key>}}` signed by our key → `200 OK` with alice's
    profile.

    ## Remediation
    Verify only with keys from your own configuration or your issuer's JWKS (an allowlist);
    ignore `jwk`, `x5c`, `jku` and `x5u` in incoming tokens.

    ## References
    RFC 7515 §4.1.3, §4.1.6 · RFC 8725 §3.8 · ASVS 5.0 V9.1.3 · OIDC Core §2 · WSTG-SESS-10 ·
    CVE-2018-0114 · CWE-347

    ## Decision rule
    CHECKS.md #10: vulnerable when a variant is *accepted* by the shared judge and reproduces
    with junk controls; the embedded key then serves as signing power for the chained tests
    (expiry, `iss`, `aud`, another user's `sub`). Safe only when every variant is refused.
    """

    id = "jwt-header-key-injection"
    title = "JWT header key injection (jwk/x5c trusted)"
    family = Family.JWT
    severity = Severity.CRITICAL
    cwe = (347,)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    max_requests = 80
    # ~17 on the first probe operation, ~5 on the next; measured with
    # benchmarks/estimate_accuracy.py
    expected_requests = 7

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        probe = await open_probe(ctx)
        trial = await try_forgeries(ctx, probe, embedded_jwk(probe.token))
        accepted = trial.accepted
        if accepted is None:
            trial.require_decision()
            return
        power = SigningPower(
            self.id,
            f"our own key, {accepted.label}",
            signer_from_forgery(embedded_jwk, probe.jws, accepted.label),
        )
        async for finding in report_recovery(
            ctx,
            self,
            probe,
            accepted,
            power,
            description=(
                f"{probe.operation.key} accepted {probe.identity}'s claims signed by a key we "
                f"generated ({accepted.label}): {accepted.judgement.reason}."
            ),
        ):
            yield finding
