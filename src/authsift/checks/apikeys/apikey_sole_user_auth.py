"""apikey-sole-user-auth (CHECKS.md #1); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.analysis import is_strong_marker, markers_present
from authsift.checks.apikeys._keymgmt import mint_and_revoke
from authsift.checks.apikeys._keys import key_identities, key_of
from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.jose import JoseError, parse_compact
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Severity

_MINT_CLAIM = "apikey.sole-user-auth.minted"
# Identities that sign a person in: their markers are that person's (e-mail, user id). Not
# `header` (often a service token) nor `oauth2` (often client credentials: a machine).
_PERSON_AUTH = frozenset({"login", "bearer", "cookie", "basic"})


def expires(token: str) -> bool:
    """True when the key is a JWT carrying `exp`: then it is not a static secret."""
    try:
        payload = parse_compact(token).payload
    except JoseError:
        return False
    return isinstance(payload, dict) and "exp" in payload


def person_markers(ctx: Context, exclude: str) -> dict[str, frozenset[str]]:
    """Strong markers (e-mail, UUID, long values) of every identity that signs a person in."""
    found: dict[str, frozenset[str]] = {}
    for name in ctx.identities:
        if name == exclude or ctx.facts.identity_auth.get(name) not in _PERSON_AUTH:
            continue
        strong = frozenset(m for m in ctx.markers(name) if is_strong_marker(m))
        if strong:
            found[name] = strong
    return found


class ApikeySoleUserAuth(Check):
    """Static API key is the only credential for user-context operations.

    ## What it checks
    Calls the API's identity-bearing operations (`/me`-like first) with nothing but an
    identity's API key, a static secret (config `auth.type: api_key`, not a JWT with `exp`, the
    same value on every run), and looks in the answer for a signed-in person's own values — the
    e-mail, user UUID or other strong markers another identity's login showed for that person.

    ## Why it matters
    API keys identify integrations. A key that stands in for the user gives permanent
    impersonation: no expiry, no MFA, no re-authentication, and it sits in CI variables and
    config files where it leaks. OWASP API2:2023: "API keys should not be used for user
    authentication. They should only be used for API clients authentication."

    ## Example
    `GET /me` with only `X-API-Key: lab_…` → `200 OK` with alice's e-mail and profile, the same
    as her logged-in session gets; `POST /api-keys` with that key alone → `201` and a new key.

    ## Remediation
    Accept API keys only on operations meant for integrations, with their own principal type and
    scopes; require a user-bound, expiring token (login or OAuth 2.0) for user-context operations
    such as the profile, the user's own objects, key management and account changes.

    ## References
    OWASP API2:2023 · ASVS 5.0 V7.2.2 · ASVS 4.0.3 V3.5.2, V2.10.1 · CWE-287 · CWE-1390

    ## Decision rule
    CHECKS.md #1. Vulnerable (high) when the key's answer on an operation is a usable baseline
    that depends on the credential (differs from the no-credential and junk-key answers, the
    same on two calls) and carries strong markers (e-mail, UUID, ≥ 8-character non-numeric
    values) of an identity that signs a person in (a login, bearer, cookie or Basic identity;
    not a custom header or OAuth 2.0 client, often machines). A key that answers only machine
    data (its own name, an organisation's report), or is refused on user-context operations, is
    safe there. A JWT key with `exp` is not static: not applicable. Without a person identity
    to learn markers from, the check is inconclusive (it cannot tell a user from a service
    account).
    With `checks.intrusive: true`, the key then tries to issue itself a new key through the
    API's key management (found in the spec) with no other credential; if it can, the finding
    is critical (a credential change without re-authentication) and the new key is revoked at
    once. Other account changes (e-mail, password) are never attempted.
    """

    id = "apikey-sole-user-auth"
    title = "API key acts as the user"
    family = Family.APIKEY
    severity = Severity.HIGH
    cwe = (287, 1390)
    owasp = "API2:2023"
    needs = frozenset({"api_key"})
    granularity = "api"
    baselines = "none"
    max_requests = 8
    expected_requests = 1  # measured: benchmarks/estimate_accuracy.py

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        operation = ctx.operation
        if operation is None:
            raise Inconclusive("this check probes an operation")
        keys = [k for k in key_identities(ctx) if not expires(key_of(ctx, k))]
        if not keys:
            raise NotApplicable("every API key is a JWT with an expiry: not a static secret")
        reasons: list[str] = []
        for key in keys:
            people = person_markers(ctx, key)
            if not people:
                reasons.append(f"{key}: no identity that signs a person in to compare with")
                continue
            try:
                base = await ctx.baseline(operation, key)
            except Inconclusive:
                continue  # refused or unusable with the key alone: nothing acts as a user here
            if not base.depends_on_auth:
                continue
            if ctx.calibration.looks_like_rejection(base.reference) is not None:
                continue
            valid, none, _ = ctx.baseline_exchanges(operation, key)
            if valid.response is None:
                continue
            for person, strong in people.items():
                shown = markers_present(valid.response, strong)
                if shown:
                    yield await self._finding(ctx, key, person, shown, valid, none)
                    return
        if reasons and len(reasons) == len(keys):
            raise Inconclusive("; ".join(reasons))

    async def _finding(
        self,
        ctx: Context,
        key: str,
        person: str,
        shown: frozenset[str],
        valid: Exchange,
        none: Exchange,
    ) -> Finding:
        operation = ctx.operation
        assert operation is not None
        evidence = [
            Evidence("no credential (refused)", none),
            Evidence(f"the API key of {key} alone", valid, "the user's data"),
        ]
        minted = None
        if ctx.facts.intrusive and ctx.shared.setdefault(_MINT_CLAIM, operation.key) == (
            operation.key
        ):
            minted = await mint_and_revoke(ctx, key, person)
        severity = Severity.HIGH
        also = ""
        if minted is not None:
            severity = Severity.CRITICAL
            also = " With the key alone it also issued itself a new API key (revoked at once)."
            evidence += [
                Evidence(f"a new key issued with {key}'s key alone", minted[0], "no re-login"),
                Evidence("the new key revoked by the scanner", minted[1]),
            ]
        return ctx.finding(
            self,
            identity=key,
            severity=severity,
            description=(
                f"{operation.key} answered {key}'s API key alone with {person}'s own data "
                f"({', '.join(sorted(shown))}): the static key acts as the user, with no expiry "
                f"and no re-authentication.{also}"
            ),
            evidence=evidence,
            confidence=Confidence.FIRM,
            reproduce=valid,
            details={"user": person, "markers": len(shown), "minted_key": minted is not None},
            api_wide=True,
        )
