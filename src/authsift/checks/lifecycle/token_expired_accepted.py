"""token-expired-accepted (CHECKS.md #31); the user-facing doc is the class docstring."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.jwt._chain_expiry import lifetime_of
from authsift.checks.jwt._common import (
    Attempt,
    JwtProbe,
    forgery_finding,
    open_probe,
    supplied_tokens,
    try_forgeries,
)
from authsift.jose import JoseError, parse_compact
from authsift.model import Family, Finding, Severity

_LATE = 600  # CHECKS.md §2: accepted at exp + 600 s is high
_PASS = 60  # CHECKS.md §2: refused by exp + 60 s passes
_OFFSETS = (2, 30, 65, 305, 610)  # replay times past `exp` in a natural-expiry wait
_WAIT_SETTING = "expiry_wait"
_DEFAULT_WAIT = 120.0
_SETTING = "expired_tokens"  # identity name → an expired token of that identity


class TokenExpiredAccepted(Check):
    """Expired access token still accepted (expiry not enforced).

    ## What it checks
    Presents an access token whose `exp` has passed, found in one of three ways:
    a genuine expired token of the identity supplied by the operator (`jwt.expired_tokens`);
    the identity's own token once it has expired by itself, when it expires within
    `lifecycle.expiry_wait` (default 120 s): the check waits, then replays that very token at
    growing offsets past `exp` until it is refused; or, when another check has recovered a
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
        past `exp` until it is refused or the wait ends. The last accepted offset is the
        measured leeway."""
        wait = float(ctx.facts.settings.get(_WAIT_SETTING, _DEFAULT_WAIT) or 0)
        expiry = probe.claims.get("exp")
        started = time.time()
        needs = (
            f"needs an expired token (setting {_SETTING}); proven by chaining when a signing key "
            "is recovered"
        )
        if not isinstance(expiry, int | float):
            raise Inconclusive(f"{needs}; the token has no `exp` to wait for")
        window = started + wait - expiry  # the largest offset past `exp` the wait reaches
        if window < _OFFSETS[0]:
            raise Inconclusive(
                f"{needs}, or an access token that expires within "
                f"{_WAIT_SETTING} ({wait:g} s); this one expires in {int(expiry - started)} s"
            )
        offsets = sorted({o for o in _OFFSETS if o <= window} | {int(window)})
        accepted: Attempt | None = None
        last = 0
        for offset in offsets:
            await asyncio.sleep(max(0.0, expiry + offset - time.time()))
            late = int(time.time() - expiry)
            trial = await try_forgeries(
                ctx, probe, [(f"own token {late} s after exp", probe.token)]
            )
            if trial.accepted is None:
                trial.require_decision()  # neither accepted nor refused: say so
                break
            accepted, last = trial.accepted, late
        else:
            late = None  # never refused within the wait
        if accepted is None or last < _PASS:
            return  # refused by exp + 60 s (RFC 7519 §4.1.4 "a few minutes"; CHECKS.md §2)
        bounded = late is not None
        severity = Severity.HIGH if last >= _LATE else Severity.LOW if bounded else Severity.MEDIUM
        when = f"refused at {late} s" if bounded else f"never refused within the {wait:g} s wait"
        finding, _ = await forgery_finding(
            ctx,
            self,
            probe,
            accepted,
            severity=severity,
            description=(
                f"{probe.operation.key} still accepted {probe.identity}'s own token {last} s "
                f"after its `exp` ({when}): {accepted.judgement.reason}."
            ),
            details={
                "leeway": {
                    "accepted_after_exp_seconds": last,
                    "refused_after_exp_seconds": [late] if bounded else [],
                },
                "lifetime_seconds": lifetime_of(probe.claims),
            },
        )
        yield finding
