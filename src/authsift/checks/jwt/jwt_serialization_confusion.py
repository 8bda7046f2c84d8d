"""jwt-serialization-confusion (CHECKS.md #14); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.jwt._common import (
    JwtProbe,
    forgery_finding,
    identity_claims,
    open_probe,
    try_forgeries,
)
from authsift.jose import serialization_confusion
from authsift.model import Evidence, Family, Finding, Severity


class SerializationConfusion(Check):
    """Signature checked on one JWS serialization, claims read from another.

    ## What it checks
    Sends the identity's token in the JSON serialization instead of the compact one: the
    CVE-2022-39227 mixed form, whose first key is a compact token with *forged* claims next to
    the genuine `protected`/`payload`/`signature` members, and the plain flattened and general
    JSON serializations of the genuine token. The forged claims name another identity (`sub`)
    when one is configured, else add `"x":1`.

    ## Why it matters
    When the library verifies the JSON members but the application reads claims from the raw
    string, the attacker's claims ride on a genuine signature: impersonation of any user.

    ## Example
    `GET /me` with `{"<h>.<payload naming bob>.":"","protected":…,"payload":…,"signature":…}`
    → `200 OK` with bob's profile.

    ## Remediation
    Accept only the compact serialization for JWTs (RFC 7519 §1), and read claims only from the
    object the library verified.

    ## References
    draft-ietf-oauth-rfc8725bis ("JWT Format Confusion") · RFC 7519 §1, §7.2 · CVE-2022-39227 ·
    CWE-347, CWE-436

    ## Decision rule
    CHECKS.md #14: critical when the forged claims take effect — the answer is *accepted* by
    the shared judge against the other identity's baseline, with that identity's markers, and
    reproduces with junk controls. A JSON-serialized token accepted as the original identity
    is low (the API takes a serialization no JWT uses). Safe when all are refused.
    """

    id = "jwt-serialization-confusion"
    title = "JWT serialization confusion (claims read from an unverified form)"
    family = Family.JWT
    severity = Severity.CRITICAL
    cwe = (347, 436)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    max_requests = 22
    # 9 over the three probe operations on the lab; measured with
    # benchmarks/estimate_accuracy.py
    expected_requests = 3

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        probe = await open_probe(ctx)
        victim, forged = await _forged_claims(ctx, probe)
        variants = serialization_confusion(probe.token, forged)
        if victim is not None:
            victim_base = await ctx.baseline(probe.operation, victim)
            trial = await try_forgeries(ctx, probe, variants[:1], base=victim_base)
            if trial.accepted is not None:
                finding, _ = await forgery_finding(
                    ctx,
                    self,
                    probe,
                    trial.accepted,
                    description=(
                        f"{probe.operation.key} verified {probe.identity}'s genuine signature but "
                        f"read the claims of the forged compact string ({trial.accepted.label}): "
                        f"the answer is {victim}'s. It {trial.accepted.judgement.reason}."
                    ),
                    details={"impersonated": victim},
                )
                yield finding
                return
        trial = await try_forgeries(ctx, probe, variants)
        accepted = trial.accepted
        if accepted is None:
            trial.require_decision()
            return
        finding, _ = await forgery_finding(
            ctx,
            self,
            probe,
            accepted,
            description=(
                f"{probe.operation.key} accepted {probe.identity}'s token in a JSON "
                f"serialization ({accepted.label}); no forged claim took effect, but a JWT "
                "consumer must accept only the compact form (RFC 7519 §1)."
            ),
            severity=Severity.LOW,
            evidence=[Evidence("forged claims", accepted.exchange, str(forged))],
        )
        yield finding


async def _forged_claims(ctx: Context, probe: JwtProbe) -> tuple[str | None, dict[str, Any]]:
    """Claims naming another identity whose answer on this operation carries its markers."""
    for other in ctx.identities:
        if other == probe.identity:
            continue
        claims = identity_claims(ctx, probe, other)
        if claims is None or claims.get("sub") == probe.claims.get("sub"):
            continue
        try:
            base = await ctx.baseline(probe.operation, other)
        except Inconclusive:
            continue
        if base.markers:
            return other, claims
    return None, {"x": 1}
