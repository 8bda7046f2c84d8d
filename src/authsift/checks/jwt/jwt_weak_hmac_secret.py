"""jwt-weak-hmac-secret (CHECKS.md #9); the user-facing doc is the class docstring."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from authsift.analysis.wording import human_value
from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.jwt._chain import SigningPower, report_recovery
from authsift.checks.jwt._common import open_probe, try_forgeries
from authsift.jose import CompactJws, resign
from authsift.jose.crack import CrackResult, crack
from authsift.model import Family, Finding, Severity

_HMAC = frozenset({"HS256", "HS384", "HS512"})
_CACHE = "jwt.cracked"


def _is_hmac(jws: CompactJws) -> bool:
    return jws.alg in _HMAC


async def cracked(ctx: Context, token: str) -> CrackResult:
    """Crack each token's secret once per scan, off the event loop (it is pure CPU)."""
    lock: asyncio.Lock = ctx.shared.setdefault(_CACHE + ".lock", asyncio.Lock())
    results: dict[str, CrackResult] = ctx.shared.setdefault(_CACHE, {})
    signing_input = token.rsplit(".", 1)[0]
    async with lock:
        if signing_input not in results:
            results[signing_input] = await asyncio.to_thread(crack, token, (), builtin=True, jobs=1)
        return results[signing_input]


class WeakHmacSecret(Check):
    """HS256/384/512 JWT signed with a guessable secret.

    ## What it checks
    For an identity whose token is HMAC-signed, tries the bundled list of framework default and
    tutorial secrets against the token's own signature, offline. On a hit it signs a token
    with identical claims and sends it once as confirmation, then uses the secret to test what
    only a key holder can: an expired and a not-yet-valid token, a foreign `iss` and `aud`, a
    token typed as a refresh token, and `sub` switched to another identity.

    ## Why it matters
    The HMAC secret is the whole trust anchor: whoever guesses it mints tokens for every user
    and role, forever, without touching the API (RFC 8725 §3.5: human-memorable keys are
    forbidden).

    ## Example
    The reporting client's `HS256` token verifies with `secret123`; a token re-signed with it
    for user 1 returns alice's profile.

    ## Remediation
    Use a random key of at least the hash size (32 bytes for HS256) from a secrets manager, and
    rotate it now; better, move to asymmetric keys so that verifiers hold no signing secret.

    ## References
    RFC 8725 §2.2, §3.5 · RFC 7518 §3.2 · OWASP API2:2023 · WSTG-SESS-10 · CWE-521, CWE-326

    ## Decision rule
    CHECKS.md #9: vulnerable when a secret is recovered *and* the re-signed token is accepted
    by the shared judge and reproduces with junk controls. A recovered secret whose token is
    refused is inconclusive (it may belong to another system); no hit is inconclusive too —
    "not found in N candidates" does not prove the key meets RFC 7518 §3.2.
    """

    id = "jwt-weak-hmac-secret"
    title = "JWT signed with a guessable HMAC secret"
    family = Family.JWT
    severity = Severity.CRITICAL
    cwe = (521, 326)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    max_requests = 76
    expected_requests = 1

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        probe = await open_probe(ctx, _is_hmac, "an HS256/384/512 token")
        result = await cracked(ctx, probe.token)
        if result.secret is None:
            raise Inconclusive(
                f"secret not found in {result.tried} candidates ({result.seconds:.2f} s); that "
                "does not prove it is strong"
            )
        secret, alg = result.secret, probe.alg
        confirmation = resign(probe.token, secret, alg)
        trial = await try_forgeries(
            ctx, probe, [(f"re-signed with {human_value(secret)}", confirmation)]
        )
        accepted = trial.accepted
        if accepted is None:
            raise Inconclusive(
                f"secret {human_value(secret)} recovered but a token re-signed with it was not "
                "accepted "
                "(it may sign tokens for another system)"
            )

        def sign(claims: dict[str, Any], header: dict[str, Any]) -> str:
            return resign(probe.token, secret, alg, header=header, claims=claims)

        power = SigningPower(self.id, f"{alg} secret {human_value(secret)}", sign)
        async for finding in report_recovery(
            ctx,
            self,
            probe,
            accepted,
            power,
            description=(
                f"{probe.identity}'s {alg} token is signed with the secret "
                f"{human_value(secret)}, found among {result.tried} well-known "
                f"secrets in {result.seconds:.2f} s; a token re-signed with it was accepted on "
                f"{probe.operation.key}."
            ),
            details={"secret": secret.decode(errors="replace"), "candidates_tried": result.tried},
        ):
            yield finding
