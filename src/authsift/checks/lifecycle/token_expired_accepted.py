"""token-expired-accepted (CHECKS.md #31); the user-facing doc is the class docstring."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.jwt._common import (
    forgery_finding,
    open_probe,
    supplied_tokens,
    try_forgeries,
)
from authsift.jose import JoseError, parse_compact
from authsift.model import Family, Finding, Severity

_LATE = 600  # CHECKS.md §2: accepted at exp + 600 s is high
_SETTING = "expired_tokens"  # identity name → an expired token of that identity


class TokenExpiredAccepted(Check):
    """Expired access token still accepted (expiry not enforced).

    ## What it checks
    Presents an access token whose `exp` lies more than 600 seconds in the past: a genuine
    expired token of the identity supplied by the operator (`expired_tokens` setting), or, when
    another check has recovered a signing key (weak HMAC secret, algorithm confusion, `kid` or
    header key injection), the identity's own claims re-signed with `exp` 600 s ago and with
    `nbf` 600 s ahead. The chained finding lists how the key was obtained.

    ## Why it matters
    A stolen token is meant to die on its own within minutes. If `exp` is not checked, every
    token ever leaked — in logs, browser storage, old backups — works forever (OWASP API2:2023
    "Doesn't validate the JWT expiration date").

    ## Example
    `GET /me` with alice's token re-signed with `"exp": <now − 600>` → `200 OK` with her profile.

    ## Remediation
    Verify `exp` (and `nbf`) on every request with at most a few minutes of leeway; most JWT
    libraries do so only when the claim is required or the option is left on.

    ## References
    RFC 7519 §4.1.4, §4.1.5 · RFC 9068 §4 · OWASP API2:2023 · ASVS 5.0 V9.2.1 · CWE-613

    ## Decision rule
    CHECKS.md #31: high when a token expired by more than 600 s is *accepted* by the shared
    judge and reproduces with junk controls; safe when refused. Without an expired token and
    without a recovered signing key the check is inconclusive ("needs an expired token"): it
    never waits for real tokens to expire in a scan.
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
            raise Inconclusive(
                f"needs an expired token (setting {_SETTING}); proven by chaining when a "
                "signing key is recovered"
            )
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
