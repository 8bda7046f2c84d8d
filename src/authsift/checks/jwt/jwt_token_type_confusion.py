"""jwt-token-type-confusion (CHECKS.md #17); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.hygiene import remember_hygiene
from authsift.checks.jwt._common import JwtProbe, forgery_finding, open_probe, try_forgeries
from authsift.jose import JoseError, parse_compact
from authsift.model import Confidence, Evidence, Family, Finding, Severity

_ACCESS_TYPES = frozenset({"at+jwt", "application/at+jwt"})


class TokenTypeConfusion(Check):
    """Non-access JWT (refresh, ID, other typed token) accepted as an access token.

    ## What it checks
    Records whether the access token carries `typ: at+jwt` (RFC 9068 §2.1). Logs the identity
    in once more, apart from the scan's session, and presents the refresh token and the ID
    token of that login, when they are JWTs, in place of the access token. When another check
    has recovered a signing key (weak HMAC secret, algorithm confusion, `kid` or header key
    injection), it also presents the identity's claims typed as a refresh token (`typ: JWT`,
    `token_use: refresh`), and reports the chain.

    ## Why it matters
    Refresh tokens live for weeks and ID tokens travel through browsers; if the API takes them
    as access tokens, every leak of those becomes API access, and a token meant for one
    purpose is replayed for another (RFC 8725 §2.8 cross-JWT confusion).

    ## Example
    `GET /me` with alice's refresh-token JWT → `200 OK` with alice's profile.

    ## Remediation
    Type access tokens `typ: at+jwt` (RFC 9068 §2.1) and reject every other `typ` on resource
    servers; use distinct keys or audiences for refresh and ID tokens.

    ## References
    RFC 8725 §2.8, §3.11, §3.12 · RFC 9068 §2.1, §4 · ASVS 5.0 V9.2.2 · CWE-287

    ## Decision rule
    CHECKS.md #17: high when a non-access JWT is *accepted* by the shared judge and reproduces
    with junk controls. An access token without `typ: at+jwt` and no demonstrated confusion is a
    hygiene remark (RFC 9068 conformance) in the report's `hygiene` section, not a finding: it is
    on almost every API and proves no breach; `policy.rfc9068: true` makes it a low finding for
    APIs that follow RFC 9068. Safe when the genuine refresh and ID tokens are refused;
    inconclusive when no other token type is available (an opaque refresh token, no login).
    """

    id = "jwt-token-type-confusion"
    title = "Non-access JWT accepted as an access token"
    family = Family.JWT
    severity = Severity.HIGH
    cwe = (287,)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    max_requests = 10
    expected_requests = 1

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        probe = await open_probe(ctx)
        own_type = str(probe.jws.header.get("typ", ""))
        untyped = own_type.lower() not in _ACCESS_TYPES
        remark = (
            f"{probe.identity}'s access token has `typ: {own_type or '(absent)'}`, not "
            "`at+jwt` (RFC 9068 §2.1): resource servers cannot tell it from other JWTs of "
            "the issuer by type."
        )
        if untyped and ctx.facts.policy.get("rfc9068"):
            yield ctx.finding(
                self,
                identity=probe.identity,
                title="Access token not typed at+jwt",
                description=remark,
                evidence=[Evidence(f"valid request as {probe.identity}", probe.valid)],
                confidence=Confidence.CERTAIN,
                severity=Severity.LOW,
                details={"typ": own_type or None},
                api_wide=True,
            )
        elif untyped:
            # On almost every API, and no breach by itself: a hygiene remark beside the
            # findings, not among them (issue 9), unless the operator says the API follows it.
            _remember_hygiene(ctx, self.id, probe.identity, remark)
        others = await _other_tokens(ctx, probe)
        if not others:
            if untyped and ctx.facts.policy.get("rfc9068"):
                return
            raise Inconclusive(
                "needs another JWT type of this issuer (refresh or ID token); proven by chaining "
                "when a signing key is recovered"
            )
        trial = await try_forgeries(ctx, probe, others)
        if trial.accepted is None:
            trial.require_decision()
            return
        finding, _ = await forgery_finding(
            ctx,
            self,
            probe,
            trial.accepted,
            description=(
                f"{probe.operation.key} accepted {trial.accepted.label} in place of the access "
                f"token: {trial.accepted.judgement.reason}. That token was never meant for "
                "resource servers."
            ),
            details={"token_used": trial.accepted.label},
        )
        yield finding


async def _other_tokens(ctx: Context, probe: JwtProbe) -> list[tuple[str, str]]:
    """The refresh and ID tokens a fresh login of the probe's identity hands out, when they are
    JWTs (an opaque refresh token proves nothing here: it is not a token a JWT verifier could
    mistake for its own)."""
    if ctx.throwaway_unavailable(probe.identity) is not None:
        return []
    try:
        fresh = await ctx.throwaway_session(probe.identity)
    except Inconclusive:
        return []
    found: list[tuple[str, str]] = []
    for what, token in (("refresh token", fresh.refresh_token), ("ID token", fresh.id_token)):
        if token and token != probe.token and _is_jws(token):
            found.append((f"{probe.identity}'s {what} from a separate login", token))
    return found


def _is_jws(token: str) -> bool:
    try:
        return parse_compact(token).alg is not None
    except JoseError:
        return False


def _remember_hygiene(ctx: Context, check_id: str, identity: str, remark: str) -> None:
    remember_hygiene(ctx, check_id=check_id, subject=identity, remark=remark, reference="RFC 9068")
