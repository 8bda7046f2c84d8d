"""Chaining: once a check holds signing power, prove what only a key holder can test.

Issue #4 §5. A cracked HMAC secret, an accepted RS→HS confusion, a `kid` that selects a known key
or a trusted embedded `jwk` lets us mint tokens with any claims. We then ask the target what a
correct verifier must refuse even from a genuine signer: an expired and a not-yet-valid token
(RFC 7519 §4.1.4, §4.1.5), a foreign `iss` (RFC 9068 §4 "MUST exactly match"), a foreign `aud`
(RFC 7519 §4.1.3 "MUST be rejected"), a token typed as a refresh token (RFC 8725 §3.11), and,
as the impact proof of CHECKS.md §1.2, `sub` switched to another configured identity.

Checks run concurrently, so the recovering check runs the chain itself and reports findings
under the chained checks' ids; the recovered power is also published in
`ctx.shared["jwt_signing_keys"]` for any later check.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from authsift.analysis.wording import human_mapping
from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.jwt._chain_expiry import expiry_results, lifetime_of
from authsift.checks.jwt._common import (
    Attempt,
    JwtProbe,
    Signer,
    forgery_evidence,
    forgery_finding,
    identity_claims,
    parsed_token,
    signature_ignored,
    try_forgeries,
)
from authsift.checks.jwt.jwt_audience_not_validated import AudienceNotValidated
from authsift.checks.jwt.jwt_issuer_not_validated import IssuerNotValidated
from authsift.checks.jwt.jwt_token_type_confusion import TokenTypeConfusion
from authsift.checks.lifecycle.token_expired_accepted import TokenExpiredAccepted
from authsift.jose import CompactJws, assemble
from authsift.model import Confidence, Evidence, Finding, Severity
from authsift.spec.classify import looks_privileged

SIGNING_KEYS = "jwt_signing_keys"
_CHAINED = "jwt.chained_operations"
FOREIGN_ISSUER = "https://issuer.authsift.invalid"
FOREIGN_AUDIENCE = "https://audience.authsift.invalid"
_IMPERSONATION_TRIES = 2
_ROLE_CLAIMS = ("role", "roles", "groups", "is_admin", "admin", "permissions", "scope", "scp")
_SKEW = 600  # RFC 7519 §4.1.4 allows "a few minutes"; CHECKS.md §2 calls +600 s high


@dataclass(frozen=True)
class SigningPower:
    """What a check recovered: who found it, how, and a way to mint tokens with it."""

    source: str  # the check id that recovered it
    how: str  # e.g. "HS256 secret 'secret123'"
    sign: Signer


def publish(ctx: Context, power: SigningPower) -> None:
    ctx.shared.setdefault(SIGNING_KEYS, []).append(power)


async def impersonate(ctx: Context, probe: JwtProbe, sign: Signer) -> dict[str, Any] | None:
    """Impact proof: a token naming another identity gets that identity's own data.

    CHECKS.md §1.2: "set `sub` … to user B's value and require sim(R, R_valid_B) ≥ 0.90 with B's
    markers present" — judged against B's baseline, confirmed like any positive. At most two
    other identities are tried: the proof needs one.
    """
    tried = 0
    for other in ctx.identities:
        if tried >= _IMPERSONATION_TRIES:
            break
        if other == probe.identity:
            continue
        claims = identity_claims(ctx, probe, other)
        if claims is None or claims.get("sub") == probe.claims.get("sub"):
            continue
        try:
            other_base = await ctx.baseline(probe.operation, other)
        except Inconclusive:
            continue
        if not other_base.markers:
            continue  # nothing would show whose data came back
        tried += 1
        token = sign({**probe.claims, **claims}, {})
        trial = await try_forgeries(
            ctx, probe, [(f"sub switched to {other}", token)], base=other_base
        )
        if trial.accepted is not None:
            judgement = trial.accepted.judgement
            return {
                "victim": other,
                "attempt": trial.accepted,
                "markers": sorted(judgement.markers_found),
            }
    return None


def impact_details(proof: dict[str, Any] | None) -> tuple[dict[str, Any], list[Evidence]]:
    if proof is None:
        return {}, []
    attempt: Attempt = proof["attempt"]
    details = {"impersonated": proof["victim"], "impersonation_markers": proof["markers"]}
    note = f"the answer carries {proof['victim']}'s own data"
    return details, [Evidence(f"token naming {proof['victim']}", attempt.exchange, note)]


async def escalate(
    ctx: Context, probe: JwtProbe, sign: Signer
) -> tuple[dict[str, Any], list[Evidence]]:
    """Impact proof by raised role claims (issue #4 §5): the identity is refused an admin
    operation, and its own claims with the privileged identity's role claims are accepted
    there like the privileged identity's request. One admin operation decides."""
    if ctx.is_privileged(probe.identity):
        return {}, []
    for admin in (n for n in ctx.identities if ctx.is_privileged(n)):
        raised = _raised_claims(ctx, probe, admin)
        if not raised:
            continue
        for operation in [o for o in ctx.operations if o.method == "GET" and looks_privileged(o)]:
            try:
                admin_base = await ctx.baseline(operation, admin)
            except Inconclusive:
                continue
            request = ctx.build(operation, as_identity=admin)
            own = await ctx.send(request, identity=probe.identity)
            if not admin_base.depends_on_auth or not ctx.judge(own, admin_base).rejected:
                continue  # not an operation this identity is refused: nothing to raise
            forged = ctx.with_credential(
                request, sign({**probe.claims, **raised}, {}), probe.identity
            )
            exchange = await ctx.send(forged)
            if not (
                ctx.judge(exchange, admin_base).accepted and await ctx.confirm(forged, admin_base)
            ):
                return {}, []
            details = {"privilege_escalation": {"operation": operation.key, "claims": raised}}
            return details, [
                Evidence(f"{operation.key} as {probe.identity} (refused)", own),
                Evidence(
                    f"{probe.identity}'s claims with {human_mapping(raised)}",
                    exchange,
                    f"answered like {admin}",
                ),
            ]
    return {}, []


def _raised_claims(ctx: Context, probe: JwtProbe, admin: str) -> dict[str, Any]:
    """The privileged identity's values of the role-like claims the probe's token carries."""
    admin_token = parsed_token(ctx, admin)
    theirs = (admin_token.payload or {}) if admin_token is not None else {}
    mine = probe.claims
    raised = {
        k: theirs[k] for k in _ROLE_CLAIMS if k in mine and k in theirs and theirs[k] != mine[k]
    }
    if not raised and isinstance(mine.get("role"), str) and ctx.role(admin) != mine["role"]:
        raised = {"role": ctx.role(admin)}
    return raised


@dataclass(frozen=True)
class _Link:
    check: Check
    label: str
    claims: dict[str, Any]
    header: dict[str, Any]
    severity: Severity
    title: str | None = None


def _links(probe: JwtProbe) -> list[_Link]:
    claims = probe.claims
    now = int(time.time())
    lifetime = lifetime_of(claims)
    future = {**claims, "iat": now + _SKEW, "nbf": now + _SKEW, "exp": now + _SKEW + lifetime}
    typed = str(probe.jws.header.get("typ", "")).lower() in ("at+jwt", "application/at+jwt")
    links = [
        _Link(
            TokenExpiredAccepted(),
            f"nbf {_SKEW} s in the future",
            future,
            {},
            Severity.HIGH,
            "Not-yet-valid token accepted (nbf not enforced)",
        ),
        _Link(
            IssuerNotValidated(),
            f"iss {FOREIGN_ISSUER}",
            {**claims, "iss": FOREIGN_ISSUER},
            {},
            Severity.CRITICAL,
        ),
        _Link(
            AudienceNotValidated(),
            f"aud {FOREIGN_AUDIENCE}",
            {**claims, "aud": FOREIGN_AUDIENCE},
            {},
            Severity.HIGH,
        ),
        _Link(
            TokenTypeConfusion(),
            "typ JWT and token_use refresh (typed as a refresh token)",
            {**claims, "token_use": "refresh"},
            {"typ": "JWT"},
            Severity.HIGH,
        ),
    ]
    # A rule the API's own tokens give it nothing to apply proves nothing: no `iss` in its
    # tokens, no issuer to validate; access tokens typed plain `JWT` like every other JWT, no
    # type to tell a refresh token by (the genuine refresh token is tried by the check itself).
    present = {"iss": "iss" in claims, "aud": "aud" in claims}
    return [
        link
        for link in links
        if not (
            (link.check.id == IssuerNotValidated.id and not present["iss"])
            or (link.check.id == AudienceNotValidated.id and not present["aud"])
            or (link.check.id == TokenTypeConfusion.id and not typed)
        )
    ]


async def chain(
    ctx: Context, probe: JwtProbe, power: SigningPower, recovery: Attempt
) -> AsyncIterator[Finding]:
    """Test every key-holder-only rule once per operation, reporting under the chained ids."""
    publish(ctx, power)
    done: set[str] = ctx.shared.setdefault(_CHAINED, set())
    if probe.operation.key in done:
        return  # another recovered key already chained here: one proof per operation
    done.add(probe.operation.key)
    for result in await expiry_results(ctx, probe, power.sign):
        yield _chained_finding(
            ctx,
            probe,
            power,
            recovery,
            _Link(TokenExpiredAccepted(), result.label, {}, {}, result.severity, result.title),
            result.attempt,
            result.details,
        )
    for link in _links(probe):
        token = power.sign(link.claims, link.header)
        trial = await try_forgeries(ctx, probe, [(link.label, token)])
        if trial.accepted is not None:
            yield _chained_finding(ctx, probe, power, recovery, link, trial.accepted, {})


def _chained_finding(
    ctx: Context,
    probe: JwtProbe,
    power: SigningPower,
    recovery: Attempt,
    link: _Link,
    chained: Attempt,
    details: dict[str, Any],
) -> Finding:
    steps = [f"{power.source}: {power.how}", f"re-signed with {link.label}: accepted"]
    return ctx.finding(
        link.check,
        identity=probe.identity,
        title=link.title,
        description=(
            f"{probe.operation.key} accepted a token with {link.label}, signed with the key "
            f"recovered by {power.source} ({power.how}). A verifier must refuse it whoever "
            "signed it."
        ),
        evidence=[
            *forgery_evidence(probe, recovery),
            Evidence(f"chained: {link.label}", chained.exchange, chained.judgement.reason),
        ],
        confidence=Confidence.CERTAIN,
        severity=link.severity,
        reproduce=chained.exchange,
        details={
            "variant": link.label,
            "chain": steps,
            "recovered_by": power.source,
            **details,
        },
        api_wide=True,
    )


def signer_from_forgery(
    forge: Callable[[str], list[tuple[str, str]]], jws: CompactJws, label: str
) -> Signer:
    """Mint tokens the way the accepted forgery did: re-run it over the new claims, keep the
    variant with the same label (the forgery decides header, algorithm and key)."""

    def sign(claims: dict[str, Any], header: dict[str, Any]) -> str:
        unsigned = assemble({**jws.header, **header}, claims)
        return dict(forge(unsigned))[label]

    return sign


async def report_recovery(
    ctx: Context,
    check: Check,
    probe: JwtProbe,
    attempt: Attempt,
    power: SigningPower,
    *,
    description: str,
    details: dict[str, Any] | None = None,
) -> AsyncIterator[Finding]:
    """The recovering check's own finding, then the chain.

    Where the operation checks signatures at all, the finding carries the impact proofs
    (another identity's data, raised role claims) and the chain runs; where it does not, the
    finding is folded into `jwt-signature-not-verified`, which carries its own proof.
    """
    standalone = await signature_ignored(ctx, probe) is None
    impact: dict[str, Any] = {}
    extra: list[Evidence] = []
    if standalone:
        impact, extra = impact_details(await impersonate(ctx, probe, power.sign))
        if impact:
            description += f" A token naming {impact['impersonated']} got that identity's data."
        raised, raised_evidence = await escalate(ctx, probe, power.sign)
        if raised:
            where = raised["privilege_escalation"]["operation"]
            description += f" Raised role claims opened {where}."
        impact.update(raised)
        extra.extend(raised_evidence)
    finding, _ = await forgery_finding(
        ctx,
        check,
        probe,
        attempt,
        description=description,
        details={**(details or {}), **impact, "signing_power": power.how},
        evidence=extra,
    )
    yield finding
    if standalone:
        async for chained in chain(ctx, probe, power, attempt):
            yield chained
