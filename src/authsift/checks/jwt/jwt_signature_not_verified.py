"""jwt-signature-not-verified (CHECKS.md #6); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context
from authsift.checks.jwt._chain import impact_details, impersonate
from authsift.checks.jwt._common import (
    forgery_evidence,
    jwt_identities,
    open_probe,
    try_forgeries,
)
from authsift.jose import assemble, signature_tampering
from authsift.model import Confidence, Family, Finding, Severity

FORGERY_CHECKS = frozenset(
    {
        "jwt-alg-none",
        "jwt-alg-confusion-hmac",
        "jwt-weak-hmac-secret",
        "jwt-header-key-injection",
        "jwt-remote-key-url-injection",
        "jwt-kid-injection",
        "jwt-ecdsa-psychic-signature",
        "jwt-serialization-confusion",
        # claim checks proven with forged tokens: moot where no signature is checked at all
        "jwt-audience-not-validated",
        "jwt-issuer-not-validated",
        "jwt-token-type-confusion",
        "token-expired-accepted",
    }
)


class SignatureNotVerified(Check):
    """JWT signature not checked at all.

    ## What it checks
    Sends the identity's own token with its signature damaged: one character flipped in the
    middle of the signature (never the last, whose low bits may be padding), an empty signature
    (`h.p.`), no signature segment (`h.p`), the payload changed by one added claim with the
    original signature kept, and the signature of another identity's token.

    ## Why it matters
    A service that decodes a JWT without verifying it trusts whatever the caller writes in it:
    anyone holding one token can mint any identity by editing the payload.

    ## Example
    `GET /auth/session` with alice's token whose payload gained `"x":1` → `200 OK` with alice's
    session, although the signature no longer matches.

    ## Remediation
    Verify every token with a vetted JOSE library and an explicit algorithm allowlist before
    reading any claim (`jwt.decode(token, key, algorithms=["RS256"])`); never call "decode
    without verification" on a request path, even behind a gateway.

    ## References
    RFC 7515 §5.2 · RFC 7519 §7.2 · RFC 8725 §3.3 · WSTG-SESS-10 · CVE-2018-1000125 · CWE-347

    ## Decision rule
    CHECKS.md #6: vulnerable when a variant is *accepted* by the shared judge (2xx like the valid
    answer, unlike the no-credential and junk answers, the identity's markers present) and
    reproduces on two re-sends interleaved with junk controls. Inconclusive when the operation
    does not reject junk credentials. Reported per operation, because a gateway may verify
    some routes and not others; forgery findings (alg none, key confusion…) on the same
    operation are folded into this one as "subsumed", and so are claim findings (`iss`, `aud`,
    `typ`, `exp`) made there with forged tokens. When another identity exists, the finding
    adds the impact proof: the payload rewritten to name that identity gets its data.
    """

    id = "jwt-signature-not-verified"
    title = "JWT signature not verified"
    family = Family.JWT
    severity = Severity.CRITICAL
    cwe = (347,)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    max_requests = 28
    expected_requests = 5
    subsumes = FORGERY_CHECKS

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        probe = await open_probe(ctx)
        others = [n for n in jwt_identities(ctx) if n != probe.identity]
        other_credential = ctx.credential(others[0]) if others else None
        other_token = other_credential.token if other_credential is not None else None
        trial = await try_forgeries(ctx, probe, signature_tampering(probe.token, other_token))
        accepted = trial.accepted
        if accepted is None:
            trial.require_decision()
            return
        jws = probe.jws

        def unsigned_resign(claims: dict[str, object], header: dict[str, object]) -> str:
            # the accepted variant keeps the original signature: only the payload changes
            return assemble({**jws.header, **header}, dict(claims), jws.raw_signature)

        proof = await impersonate(ctx, probe, unsigned_resign)
        details, extra = impact_details(proof)
        assert ctx.operation is not None
        yield ctx.finding(
            self,
            identity=probe.identity,
            description=(
                f"{ctx.operation.key} accepted {probe.identity}'s token with a forged signature "
                f"({accepted.label}). It {accepted.judgement.reason}. Confirmed twice with junk "
                "controls rejected."
                + (f" A token naming {details['impersonated']} got its data." if details else "")
            ),
            evidence=[*forgery_evidence(probe, accepted), *extra],
            confidence=Confidence.CERTAIN,
            reproduce=accepted.exchange,
            details={"variant": accepted.label, "alg": probe.alg, **details},
        )
