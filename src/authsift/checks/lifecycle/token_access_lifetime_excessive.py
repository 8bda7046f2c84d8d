"""token-access-lifetime-excessive (CHECKS.md #30); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, CoveredElsewhere, Inconclusive
from authsift.checks.lifecycle._lifetime import (
    DAY,
    HOUR,
    Lifetime,
    human_duration,
    lifetime_of,
    raised,
    revocation_paths,
)
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Severity

_DONE = "token.access_lifetime.owner"
_BOUND = "max_access_token_lifetime"
_DEFAULT_BOUND = HOUR  # RFC 6750 §5.3: "one hour or less"


def grade(seconds: float, bound: float) -> Severity | None:
    """CHECKS.md §2: ≤ the bound (3600 s) passes; above it low; > 12 h medium; > 30 d high."""
    if seconds <= bound:
        return None
    if seconds > 30 * DAY:
        return Severity.HIGH
    return Severity.MEDIUM if seconds > 12 * HOUR else Severity.LOW


class TokenAccessLifetimeExcessive(Check):
    """Access token lives too long, or never expires.

    ## What it checks
    Reads each identity's access-token lifetime without sending a probe: the JWT's `exp − iat`,
    else `exp` minus the time a fresh login answered, else the login answer's `expires_in`
    (RFC 6749 §5.1; a fresh, separate login of the identity is made only when the token itself
    does not tell). A JWT without `exp` for which nothing is announced never expires. Whether
    the API offers any way to end a token early (a logout endpoint, a revocation or
    end-session operation) raises the severity when there is none.

    ## Why it matters
    A bearer token works for whoever holds it until it expires. A 30-day token copied from a log,
    a proxy or a browser is a 30-day account takeover; a token without `exp` is one forever
    (OWASP API2:2023, NIST SP 800-63B reauthentication bounds).

    ## Example
    `POST /auth/login` → `{"access_token": "eyJ…", "expires_in": 2592000}` (30 days).

    ## Remediation
    Issue access tokens for an hour or less (RFC 6750 §5.3), always with `exp` (RFC 9068 §2.2),
    and keep sessions alive with refresh tokens that can be revoked.

    ## References
    RFC 6750 §5.3 · RFC 9068 §2.2 · NIST SP 800-63B §4.1.3, §4.2.3 · RFC 9700 §4.14 ·
    ASVS 5.0 V7.3.2 · CWE-613

    ## Decision rule
    CHECKS.md #30 and §2: lifetime ≤ `policy.max_access_token_lifetime` (default 3600 s, RFC
    6750 §5.3 "one hour or less") passes; above it **low**, above 12 h **medium**, above 30 d
    **high**; no `exp` and no `expires_in` **high** (**medium** when the token is
    sender-constrained by a `cnf` claim). One step higher, at most high, when the API offers no
    logout or revocation. An opaque token whose login answer announces no lifetime is
    inconclusive: its lifetime is not observable without waiting for it to die.
    """

    id = "token-access-lifetime-excessive"
    title = "Access token lifetime excessive"
    family = Family.TOKEN
    severity = Severity.MEDIUM
    cwe = (613,)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    baselines = "none"
    max_requests = 4
    expected_requests = 0

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        if ctx.shared.setdefault(_DONE, id(ctx)) != id(ctx):
            raise CoveredElsewhere("the API's access-token lifetimes are read once per scan")
        bound = float(ctx.facts.policy.get(_BOUND) or _DEFAULT_BOUND)
        seen: dict[str, tuple[Lifetime, Exchange | None]] = {}
        unknown: list[str] = []
        for name in ctx.identities:
            credential = ctx.credential(name)
            if credential is None:
                continue
            lifetime = lifetime_of(credential.token, None, None, "expires_in")
            login: Exchange | None = None
            if (lifetime.seconds is None or lifetime.source != "exp − iat") and (
                ctx.throwaway_unavailable(name) is None
            ):
                try:  # a fresh login's answer says what its token lasts
                    fresh = await ctx.throwaway_session(name)
                except Inconclusive as exc:
                    unknown.append(f"{name}: {exc}")
                    continue
                login = fresh.login
                lifetime = lifetime_of(fresh.token, fresh.expires_in, fresh.issued_at, "expires_in")
            if lifetime.expires is None:
                unknown.append(f"{name}: {lifetime.source}")
                continue
            seen[name] = (lifetime, login)
        if not seen:
            raise Inconclusive(
                "no access-token lifetime observable (" + "; ".join(unknown or ["no token"]) + ")"
            )
        worst_name = max(seen, key=lambda n: _rank(seen[n][0]))
        worst, login = seen[worst_name]
        if worst.seconds is not None:
            severity = grade(worst.seconds, bound)
            if severity is None:
                return  # every observed lifetime is within the bound
        else:
            bound_to_key = isinstance((worst.claims or {}).get("cnf"), dict)
            severity = Severity.MEDIUM if bound_to_key else Severity.HIGH
        paths = revocation_paths(ctx)
        if not paths:
            severity = raised(severity)
        lifetimes = {n: _plain(lt) for n, (lt, _) in seen.items()}
        what = (
            f"lives {human_duration(worst.seconds)} ({worst.source}), above the "
            f"{human_duration(bound)} the policy accepts"
            if worst.seconds is not None
            else f"never expires ({worst.source})"
        )
        ending = (
            f"It can be ended early through {', '.join(paths)}."
            if paths
            else "The API offers no logout or revocation, so nothing ends it early."
        )
        if login is None and ctx.throwaway_unavailable(worst_name) is None:
            try:  # the login answer that issues such tokens is the evidence
                login = (await ctx.throwaway_session(worst_name)).login
            except Inconclusive:
                login = None
        evidence = [Evidence(f"a login of {worst_name} (tokens redacted)", login)] if login else []
        yield ctx.finding(
            self,
            identity=worst_name,
            title=None if worst.seconds is not None else "Access token never expires",
            description=f"{worst_name}'s access token {what}. {ending}",
            evidence=evidence,
            confidence=Confidence.CERTAIN,
            severity=severity,
            details={
                "lifetimes": lifetimes,
                "policy_max_seconds": bound,
                "revocation_paths": paths,
            },
            api_wide=True,
        )


def _rank(lifetime: Lifetime) -> float:
    return float("inf") if lifetime.seconds is None else lifetime.seconds


def _plain(lifetime: Lifetime) -> dict[str, object]:
    return {"seconds": lifetime.seconds, "source": lifetime.source, "expires": lifetime.expires}
