"""jwt-audience-not-validated (CHECKS.md #15); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.analysis.wording import human_list
from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.jwt._common import (
    forgery_finding,
    open_probe,
    supplied_tokens,
    try_forgeries,
)
from authsift.jose import JoseError, parse_compact
from authsift.model import Family, Finding, Severity

SETTING = "foreign_audience_tokens"  # identity → genuine token(s) minted for another audience


def _audiences(value: object) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list):
        return frozenset(v for v in value if isinstance(v, str))
    return frozenset()


class AudienceNotValidated(Check):
    """JWT minted for another audience accepted.

    ## What it checks
    Presents genuine tokens of the identity, from the same issuer, whose `aud` does not name
    this API (minted for another resource server or client, supplied by the operator in the
    `foreign_audience_tokens` setting). When another
    check has recovered a signing key (weak HMAC secret, algorithm confusion, `kid` or header
    key injection), it also presents the identity's own claims re-signed with a foreign `aud`,
    and reports the chain that led there.

    ## Why it matters
    Without an audience check, a token issued for any other service of the same issuer — a
    reporting backend, a partner client, an ID token — works here: one compromised service
    opens them all (RFC 8725 §2.7 substitution).

    ## Example
    A token from `/auth/login` with `audience=reports-service` → `200 OK` on this API's `/me`.

    ## Remediation
    Verify `aud` against this API's own identifier on every request (most libraries need the
    `audience=` argument to do it), and give each resource server its own audience.

    ## References
    RFC 7519 §4.1.3 · RFC 8725 §2.7, §3.9 · RFC 9068 §4 · RFC 9700 §2.3 · ASVS 5.0 V9.2.3,
    V10.3.1 · CWE-287

    ## Decision rule
    CHECKS.md #15: candidates whose `aud` equals the probing token's are skipped; vulnerable
    when a token for another audience is *accepted* by the shared judge and reproduces with
    junk controls; safe when all are refused; inconclusive when no such token was supplied and
    no signing key was recovered (a scanner cannot mint a genuine alternate-audience token).
    """

    id = "jwt-audience-not-validated"
    title = "JWT audience not validated"
    family = Family.JWT
    severity = Severity.HIGH
    cwe = (287,)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    max_requests = 12
    expected_requests = 0

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        probe = await open_probe(ctx)
        mine = _audiences(probe.claims.get("aud"))
        candidates: list[tuple[str, str]] = []
        for token in supplied_tokens(ctx, SETTING, probe.identity):
            try:
                claims = parse_compact(token).payload or {}
            except JoseError:
                continue
            theirs = _audiences(claims.get("aud"))
            if theirs and theirs != mine:  # CHECKS.md #15: skip tokens for this API's audience
                candidates.append((f"{probe.identity}'s token for aud {human_list(theirs)}", token))
        if not candidates:
            raise Inconclusive(
                f"needs a genuine token of {probe.identity} minted for another audience "
                f"(setting {SETTING}); proven by chaining when a signing key is recovered"
            )
        trial = await try_forgeries(ctx, probe, candidates)
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
                f"{probe.operation.key} accepted {accepted.label}, although its audience is not "
                f"this API's ({human_list(mine)}): it {accepted.judgement.reason}."
            ),
        )
        yield finding
