"""token-refresh-lifetime-excessive (CHECKS.md #38); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, CoveredElsewhere, Inconclusive, NotApplicable
from authsift.checks.lifecycle._lifetime import (
    human_duration,
    lifetime_of,
    raised,
    revocation_paths,
)
from authsift.model import Confidence, Evidence, Family, Finding, Severity

_DONE = "token.refresh_lifetime.owner"
_BOUND = "max_refresh_token_lifetime"
_DEFAULT_BOUND = 30 * 86400  # CHECKS.md §2: > 30 d low


class TokenRefreshLifetimeExcessive(Check):
    """Refresh token has no absolute expiry, or an overly long one.

    ## What it checks
    Logs an identity in once more, apart from the scan's session, and reads its refresh
    token's absolute lifetime: the refresh-token JWT's `exp − iat` (or `exp` minus the time of
    the answer), else the answer's `refresh_expires_in` / `refresh_token_expires_in`. A
    refresh-token JWT without `exp`, for which nothing is announced, never expires. Whether the
    API offers a way to end a session early (logout, revocation) raises the severity when there
    is none.

    ## Why it matters
    A refresh token mints access tokens for as long as it lives. Without an absolute expiry a
    stolen one keeps an attacker in the account indefinitely, however short the access tokens
    are (ASVS 5.0 V10.4.8).

    ## Example
    `POST /auth/login` → a refresh-token JWT `{"sub": "1", "typ": "refresh"}` with no `exp`, and
    no `refresh_expires_in` in the answer.

    ## Remediation
    Give every refresh token an absolute expiry that sliding renewals do not extend (the
    session's first login plus at most 30 days, less for sensitive APIs), expire idle ones,
    and revoke them on logout.

    ## References
    ASVS 5.0 V10.4.8 · RFC 9700 §4.14.2 · NIST SP 800-63B §4.1.3 · CWE-613

    ## Decision rule
    CHECKS.md #38 and §2: absolute lifetime ≤ `policy.max_refresh_token_lifetime` passes;
    above it **low**; none observable or declared for a JWT refresh token **medium**. One step
    higher, at most high, when the API offers no logout or revocation. An opaque refresh token
    whose lifetime is not announced is inconclusive (it would take re-using it after days to
    measure); a login that hands out no refresh token is not applicable.
    """

    id = "token-refresh-lifetime-excessive"
    title = "Refresh token lifetime excessive"
    family = Family.TOKEN
    severity = Severity.MEDIUM
    cwe = (613,)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    baselines = "none"
    max_requests = 2
    expected_requests = 1

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        if ctx.shared.setdefault(_DONE, id(ctx)) != id(ctx):
            raise CoveredElsewhere("the API's refresh-token lifetime is read once per scan")
        names = [n for n in ctx.identities if ctx.throwaway_unavailable(n) is None]
        if not names:
            raise Inconclusive(
                "needs an identity that logs in (refresh tokens come from a login answer): "
                + (ctx.throwaway_unavailable() or "none")
            )
        name = names[0]
        fresh = await ctx.throwaway_session(name)
        if not fresh.refresh_token:
            raise NotApplicable(f"a login of {name} hands out no refresh token")
        lifetime = lifetime_of(
            fresh.refresh_token, fresh.refresh_expires_in, fresh.issued_at, "refresh_expires_in"
        )
        if lifetime.expires is None:
            raise Inconclusive(
                f"{name}'s refresh token is opaque and its login answer announces no lifetime "
                "(refresh_expires_in): not observable without re-using it after days"
            )
        bound = float(ctx.facts.policy.get(_BOUND) or _DEFAULT_BOUND)
        if lifetime.seconds is not None and lifetime.seconds <= bound:
            return
        severity = Severity.LOW if lifetime.seconds is not None else Severity.MEDIUM
        paths = revocation_paths(ctx)
        if not paths:
            severity = raised(severity)
        what = (
            f"lives {human_duration(lifetime.seconds)} ({lifetime.source}), above the "
            f"{human_duration(bound)} the policy accepts"
            if lifetime.seconds is not None
            else f"has no absolute expiry ({lifetime.source})"
        )
        ending = (
            f"It can be ended early through {', '.join(paths)}."
            if paths
            else "The API offers no logout or revocation, so nothing ends it early."
        )
        yield ctx.finding(
            self,
            identity=name,
            title=None if lifetime.seconds is not None else "Refresh token never expires",
            description=f"{name}'s refresh token {what}. {ending}",
            evidence=[Evidence(f"a separate login of {name} (tokens redacted)", fresh.login)],
            confidence=Confidence.CERTAIN,
            severity=severity,
            details={
                "seconds": lifetime.seconds,
                "source": lifetime.source,
                "policy_max_seconds": bound,
                "revocation_paths": paths,
            },
            api_wide=True,
        )
