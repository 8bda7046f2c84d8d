"""jwt-ecdsa-psychic-signature (CHECKS.md #13); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context
from authsift.checks.jwt._common import forgery_finding, open_probe, try_forgeries
from authsift.jose import CompactJws, psychic_signature
from authsift.model import Family, Finding, Severity

_ECDSA = frozenset({"ES256", "ES384", "ES512"})


def _is_ecdsa(jws: CompactJws) -> bool:
    return jws.alg in _ECDSA


class EcdsaPsychicSignature(Check):
    """ECDSA signature with r = s = 0 accepted ("psychic signatures").

    ## What it checks
    For an identity whose token is signed with ES256, ES384 or ES512, replaces the signature
    with an all-zero R‖S of the curve's size, with the DER encoding of r = s = 0
    (`30 06 02 01 00 02 01 00`) and with r = s = n (the curve order).

    ## Why it matters
    ECDSA verification must reject r or s outside [1, n−1]. A verifier that skips that range
    check accepts the zero signature on any message: every token verifies, for every user
    (CVE-2022-21449 in Java 15–18).

    ## Example
    `GET /me` with the mobile app's ES256 token and 64 zero bytes as signature → `200 OK`.

    ## Remediation
    Upgrade the crypto provider (Java: 17.0.3, 18.0.1 or later) and use a vetted JOSE library;
    never hand-roll ECDSA verification.

    ## References
    CVE-2022-21449 · SEC 1 §4.1.4 · RFC 7518 §3.4 · RFC 8725 §3.3 · WSTG-SESS-10 · CWE-347

    ## Decision rule
    CHECKS.md #13: runs only for an identity holding an ES* token (inconclusive otherwise);
    vulnerable when a variant is *accepted* by the shared judge and reproduces on two re-sends
    with junk controls; safe only when all are refused.
    """

    id = "jwt-ecdsa-psychic-signature"
    title = "ECDSA psychic signature (r = s = 0) accepted"
    family = Family.JWT
    severity = Severity.CRITICAL
    cwe = (347,)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    max_requests = 12
    expected_requests = 3

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        probe = await open_probe(ctx, _is_ecdsa, "an ES256/384/512 token")
        trial = await try_forgeries(ctx, probe, psychic_signature(probe.token))
        if trial.accepted is None:
            trial.require_decision()
            return
        accepted = trial.accepted
        finding, _ = await forgery_finding(
            ctx,
            self,
            probe,
            accepted,
            description=(
                f"{probe.operation.key} accepted {probe.identity}'s {probe.alg} token with "
                f"{accepted.label}: {accepted.judgement.reason}. Any claims verify with this "
                "signature."
            ),
        )
        yield finding
