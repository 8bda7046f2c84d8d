"""Token lifetimes as an API announces them (CHECKS.md #30, #38, §2): read from the token's own
`exp` and `iat`, or from the login answer's `expires_in` / `refresh_expires_in`, and graded
against the §2 thresholds and the operator's `policy`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from authsift.checks.base import Context
from authsift.jose import JoseError, parse_compact
from authsift.model import Severity

HOUR, DAY = 3600, 86400
_ORDER = (Severity.LOW, Severity.MEDIUM, Severity.HIGH)
_REVOCATION = re.compile(r"(^|/)(log-?out|sign-?out|revoke|revocation|end[-_]?session)(/|$)", re.I)


@dataclass(frozen=True)
class Lifetime:
    """What is known of one token's lifetime. `seconds` None with `expires` False: it never
    expires (no `exp`, nothing announced); None with `expires` None: not observable."""

    seconds: float | None
    source: str  # "exp − iat", "expires_in", …
    expires: bool | None
    claims: dict[str, Any] | None = None

    def words(self) -> str:
        if self.seconds is None:
            return "no expiry" if self.expires is False else "an unknown lifetime"
        return f"{human_duration(self.seconds)} ({self.source})"


def claims_of(token: str | None) -> dict[str, Any] | None:
    if not token or token.count(".") != 2:
        return None
    try:
        payload = parse_compact(token).payload
    except JoseError:
        return None
    return dict(payload) if isinstance(payload, dict) else None


def lifetime_of(
    token: str | None, announced: float | None, issued_at: float | None, announced_as: str
) -> Lifetime:
    """The token's lifetime: its own `exp − iat` (or `exp` − the answer's time), else what the
    login answer announced, else "never" for a JWT without `exp`, else unknown."""
    claims = claims_of(token)
    exp = claims.get("exp") if claims else None
    iat = claims.get("iat") if claims else None
    if isinstance(exp, int | float) and not isinstance(exp, bool):
        if isinstance(iat, int | float) and not isinstance(iat, bool) and exp > iat:
            return Lifetime(float(exp - iat), "exp − iat", True, claims)
        if issued_at is not None:
            return Lifetime(max(0.0, exp - issued_at), "exp − time of issue", True, claims)
    if announced is not None and announced > 0:
        return Lifetime(float(announced), announced_as, True, claims)
    if claims is not None and exp is None:
        return Lifetime(None, f"a JWT without `exp`, no `{announced_as}`", False, claims)
    return Lifetime(None, f"an opaque token without `{announced_as}`", None, claims)


def revocation_paths(ctx: Context) -> list[str]:
    """Ways the API offers to end a token before it expires: a configured logout endpoint, and
    logout / revocation / end-session operations in the spec."""
    found = [f"{m} {p}" for name, (m, p) in ctx.facts.endpoints.items() if name == "logout"]
    found += [op.key for op in ctx.operations if _REVOCATION.search(op.path)]
    return list(dict.fromkeys(found))


def raised(severity: Severity) -> Severity:
    """One step up the rubric, at most high: a long-lived token no one can revoke."""
    if severity not in _ORDER:
        return severity
    return _ORDER[min(_ORDER.index(severity) + 1, len(_ORDER) - 1)]


def human_duration(seconds: float) -> str:
    for unit, size in (("d", DAY), ("h", HOUR), ("min", 60)):
        if seconds >= size:
            value = seconds / size
            return (
                f"{value:.0f} {unit}"
                if value >= 10 or value.is_integer()
                else f"{value:.1f} {unit}"
            )
    return f"{seconds:.0f} s"
