"""token-expired-accepted (CHECKS.md #31); the user-facing doc is the class docstring."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.jwt._chain_expiry import lifetime_of
from authsift.checks.jwt._common import (
    Attempt,
    JwtProbe,
    Trial,
    forgery_finding,
    jwt_identities,
    open_probe,
    supplied_tokens,
    try_forgeries,
)
from authsift.checks.lifecycle._expiry_wait import plan, replay_until_refused
from authsift.jose import JoseError, parse_compact
from authsift.model import Confidence, Evidence, Family, Finding, Severity

_LATE = 600  # CHECKS.md §2: accepted at exp + 600 s is high
_SETTING = "expired_tokens"  # identity name → an expired token of that identity
_NEEDS = (
    f"needs an expired token (setting {_SETTING}); proven by chaining when a signing key is "
    "recovered"
)


class TokenExpiredAccepted(Check):
    """Expired access token still accepted (expiry not enforced).

    ## What it checks
    Presents an access token whose `exp` has passed, found in one of three ways:
    a genuine expired token of the identity supplied by the operator (`jwt.expired_tokens`);
    the identity's own token once it has expired by itself, when it expires within
    `lifecycle.expiry_wait` (default 120 s): the check waits, then replays that very token at
    growing offsets past `exp` until it is refused (an opaque token: a separate login's token,
    replayed past the `expires_in` its answer announced); or, when another check has recovered a
    signing key (weak HMAC secret, algorithm confusion, `kid` or header key injection), the
    identity's own claims re-signed with `exp` 600, 300 and 90 s ago, with `nbf` 600 s ahead,
    and with `exp` removed. The leeway measured (the last offset accepted, the first refused)
    is in the finding's details; a chained finding lists how the key was obtained.

    ## Why it matters
    A stolen token is meant to die on its own within minutes. If `exp` is not checked, every
    token ever leaked — in logs, browser storage, old backups — works forever (OWASP API2:2023
    "Doesn't validate the JWT expiration date"). A verifier that takes a token without `exp`
    lets any token its issuer mints without one live forever.

    ## Example
    `GET /me` with alice's token re-signed with `"exp": <now − 600>` → `200 OK` with her profile.

    ## Remediation
    Verify `exp` (and `nbf`) on every request with at most a minute of leeway, and require the
    claim: most JWT libraries check it only when present unless told it is required.

    ## References
    RFC 7519 §4.1.4, §4.1.5 · RFC 9068 §2.2, §4 · RFC 8725 §3.10 · OWASP API2:2023 ·
    ASVS 5.0 V9.2.1 · CWE-613

    ## Decision rule
    CHECKS.md #31 and §2 ("accepted at exp+600 s high; accepted at 60–300 s low; reject by
    exp+60 s pass"), each acceptance judged by the shared judge and reproduced with junk
    controls. RFC 7519 §4.1.4: the token "MUST NOT be accepted for processing" on or after
    `exp`, with "some small leeway, usually no more than a few minutes". A token still accepted
    at the end of a natural-expiry wait shorter than 600 s past `exp` is medium (the leeway is
    at least that long; a longer wait decides high). A key-holder token without `exp` accepted
    where expired ones are refused is medium (RFC 9068 §2.2: `exp` is REQUIRED). Without a
    supplied token, a short-lived token or a recovered key the check is inconclusive ("needs an
    expired token").
    """

    id = "token-expired-accepted"
    title = "Expired access token accepted"
    family = Family.TOKEN
    severity = Severity.HIGH
    cwe = (613,)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    max_requests = 10
    expected_requests = 0

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        if not jwt_identities(ctx):
            async for finding in self._opaque_expiry(ctx):
                yield finding
            return
        probe = await open_probe(ctx)
        supplied = supplied_tokens(ctx, _SETTING, probe.identity)
        if not supplied:
            async for finding in self._natural_expiry(ctx, probe):
                yield finding
            return
        token = supplied[0]
        try:
            expiry = (parse_compact(token).payload or {}).get("exp")
        except JoseError as exc:
            raise Inconclusive(f"the supplied expired token is not a JWT: {exc}") from None
        if not isinstance(expiry, int | float) or expiry > time.time() - _LATE:
            raise Inconclusive(f"the supplied token has not been expired for {_LATE} s yet")
        label = f"operator-supplied token expired {int(time.time() - expiry)} s ago"
        trial = await try_forgeries(ctx, probe, [(label, token)])
        if trial.accepted is None:
            trial.require_decision()
            return
        finding, _ = await forgery_finding(
            ctx,
            self,
            probe,
            trial.accepted,
            description=(
                f"{probe.operation.key} accepted {probe.identity}'s token although it expired "
                f"{int(time.time() - expiry)} s ago: {trial.accepted.judgement.reason}."
            ),
        )
        yield finding

    async def _natural_expiry(self, ctx: Context, probe: JwtProbe) -> AsyncIterator[Finding]:
        """CHECKS.md #31 (a): wait for the identity's own token to expire, then replay that token
        (the value captured now, not the one the engine renews meanwhile) at growing offsets
        past `exp` until it is refused or the wait ends."""
        expiry = probe.claims.get("exp")
        if not isinstance(expiry, int | float):
            raise Inconclusive(f"{_NEEDS}; the token has no `exp` to wait for")
        offsets = plan(ctx, expiry, _NEEDS)

        async def replay(late: int) -> Trial:
            return await try_forgeries(ctx, probe, [(f"own token {late} s after exp", probe.token)])

        waited = await replay_until_refused(ctx, expiry, offsets, replay)
        severity = waited.severity()
        if severity is None or waited.accepted is None:
            return  # refused by exp + 60 s (RFC 7519 §4.1.4 "a few minutes"; CHECKS.md §2)
        finding, _ = await forgery_finding(
            ctx,
            self,
            probe,
            waited.accepted,
            severity=severity,
            description=(
                f"{probe.operation.key} still accepted {probe.identity}'s own token "
                f"{waited.last} s after its `exp` ({waited.words()}): "
                f"{waited.accepted.judgement.reason}."
            ),
            details={"leeway": waited.leeway(), "lifetime_seconds": lifetime_of(probe.claims)},
        )
        yield finding

    async def _opaque_expiry(self, ctx: Context) -> AsyncIterator[Finding]:
        """CHECKS.md #31 (c): an opaque token is replayed at issue time + `expires_in` + the
        offsets; a separate login of the identity supplies both (the scan's own token is kept
        fresh by the engine and its issue time is not known)."""
        operation = ctx.operation
        names = [n for n in ctx.identities if ctx.throwaway_unavailable(n) is None]
        if operation is None or not names:
            raise Inconclusive(f"{_NEEDS}; no identity that logs in for an opaque token")
        name = names[0]
        base = await ctx.baseline(operation, name)
        if not base.depends_on_auth:
            raise Inconclusive(f"{operation.key} answers the same without a credential")
        fresh = await ctx.throwaway_session(name)
        if fresh.expires_in is None:
            raise Inconclusive(f"{_NEEDS}; the opaque token's login answer has no expires_in")
        expiry = fresh.issued_at + fresh.expires_in
        offsets = plan(ctx, expiry, _NEEDS)
        request = ctx.as_session(ctx.build(operation, as_identity=name), fresh)

        async def replay(late: int) -> Trial:
            exchange = await ctx.send(request)
            label = f"{fresh.label}'s token {late} s after expires_in"
            attempt = Attempt(label, fresh.token, request, exchange, ctx.judge(exchange, base))
            trial = Trial(attempts=[attempt])
            if attempt.judgement.accepted:
                if await ctx.confirm(request, base):
                    trial.accepted = attempt
                else:
                    trial.unconfirmed.append(label)
            return trial

        waited = await replay_until_refused(ctx, expiry, offsets, replay)
        severity = waited.severity()
        if severity is None or waited.accepted is None:
            return
        valid, _none, _junk = ctx.baseline_exchanges(operation, name)
        yield ctx.finding(
            self,
            identity=name,
            description=(
                f"{operation.key} still accepted a token of {name} {waited.last} s after the "
                f"{int(fresh.expires_in)} s its login answer announced ({waited.words()}): "
                f"{waited.accepted.judgement.reason}."
            ),
            evidence=[
                Evidence(f"valid request as {name}", valid),
                Evidence("the login that issued it", fresh.login),
                Evidence(waited.accepted.label, waited.accepted.exchange),
            ],
            confidence=Confidence.CERTAIN,
            severity=severity,
            reproduce=waited.accepted.exchange,
            details={"leeway": waited.leeway(), "lifetime_seconds": fresh.expires_in},
            api_wide=True,
        )
