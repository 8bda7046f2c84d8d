"""What a signing key proves about expiry (CHECKS.md #31, chained): the leeway after `exp`, and
whether a token without `exp` is accepted at all.

RFC 7519 §4.1.4: the token "MUST NOT be accepted for processing" on or after `exp`, with "some
small leeway, usually no more than a few minutes". CHECKS.md §2 grades what we measure:
accepted at exp + 600 s is high, accepted at exp + 60–300 s is low (excess leeway). RFC 9068
§2.2 makes `exp` REQUIRED in an access token, and RFC 8725 §3.10 asks verifiers to refuse
tokens whose required claims are missing: a verifier that takes a token without `exp` lets any
token its issuer ever mints without one live forever.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from authsift.checks.base import Context
from authsift.checks.jwt._common import Attempt, JwtProbe, Signer, try_forgeries
from authsift.model import Severity

LATE = (600, 300, 90)  # seconds past `exp`, most expired first: the first accepted one counts
_SERIOUS = 600  # CHECKS.md §2: accepted at exp + 600 s is high


@dataclass(frozen=True)
class ExpiryResult:
    """One confirmed acceptance and what it proves."""

    label: str
    attempt: Attempt
    severity: Severity
    title: str | None
    details: dict[str, Any]


def lifetime_of(claims: dict[str, Any]) -> int:
    exp, iat = claims.get("exp"), claims.get("iat")
    if isinstance(exp, int | float) and isinstance(iat, int | float) and exp > iat:
        return int(exp - iat)
    return 300


def _expired(claims: dict[str, Any], late: int, now: int) -> dict[str, Any]:
    lifetime = lifetime_of(claims)
    out = {**claims, "exp": now - late}
    for name in ("iat", "nbf"):
        if name in claims:
            out[name] = now - late - lifetime
    return out


async def expiry_results(ctx: Context, probe: JwtProbe, sign: Signer) -> list[ExpiryResult]:
    """Re-signed expired tokens from the most to the least expired, then one without `exp`.

    The first accepted offset is the measured leeway's lower bound; the offsets refused before
    it bound it from above. When a token expired 600 s ago is accepted, `exp` is not enforced
    and a token without it proves nothing more, so that one is not sent.
    """
    now = int(time.time())
    results: list[ExpiryResult] = []
    refused: list[int] = []
    for late in LATE:
        label = f"exp {late} s in the past"
        trial = await try_forgeries(
            ctx, probe, [(label, sign(_expired(probe.claims, late, now), {}))]
        )
        if trial.accepted is None:
            refused.append(late)
            continue
        leeway = {"accepted_after_exp_seconds": late, "refused_after_exp_seconds": refused}
        if late >= _SERIOUS:
            results.append(
                ExpiryResult(label, trial.accepted, Severity.HIGH, None, {"leeway": leeway})
            )
        else:
            results.append(
                ExpiryResult(
                    label,
                    trial.accepted,
                    Severity.LOW,
                    f"Expired token accepted {late} s after exp (excess leeway)",
                    {"leeway": leeway},
                )
            )
        break
    if results and results[0].severity is Severity.HIGH:
        return results
    unbounded = {k: v for k, v in probe.claims.items() if k != "exp"}
    label = "exp removed"
    trial = await try_forgeries(ctx, probe, [(label, sign(unbounded, {}))])
    if trial.accepted is not None:
        results.append(
            ExpiryResult(
                label,
                trial.accepted,
                Severity.MEDIUM,
                "Token without exp accepted (never expires)",
                {"leeway": {"refused_after_exp_seconds": refused}},
            )
        )
    return results
