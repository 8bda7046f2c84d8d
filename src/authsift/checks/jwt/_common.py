"""What every jwt-* check does the same way: choose the token and the probe, send forgeries,
judge them, confirm positives, and decide whether a positive is its own flaw or a symptom.

CHECKS.md §4.2: "All JWT checks run only when the credential parses as JWS compact serialization
(three base64url parts; the header has `alg`)". Probes go to identity-bearing read-only
operations whose answer depends on the credential (§1.2: "If R_none ≈ R_valid, E is public: skip
credential-mutation checks on E"). A forged token is sent anonymously in the identity's place and
judged against that identity's baseline; a positive is re-sent twice with junk controls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

from authsift.analysis import Baseline, Judgement, Verdict
from authsift.checks.base import Check, Context, Inconclusive
from authsift.jose import CompactJws, JoseError, parse_compact, signature_tampering
from authsift.model import Confidence, Evidence, Exchange, Finding, HttpRequest, Operation, Severity

SIGNATURE_CHECK_ID = "jwt-signature-not-verified"
_SIGNATURE_CACHE = "jwt.signature_ignored"

# (claims, header changes) -> a token the target may accept: what a recovered key lets us do.
Signer = Callable[[dict[str, Any], dict[str, Any]], str]


def parsed_token(ctx: Context, identity: str) -> CompactJws | None:
    """The identity's credential as a compact JWS with a string `alg`, or None."""
    credential = ctx.credential(identity)
    if credential is None or not credential.is_jwt:
        return None
    try:
        parsed = parse_compact(credential.token)
    except JoseError:
        return None
    return parsed if parsed.alg is not None and parsed.payload is not None else None


def jwt_identities(ctx: Context, accept: Callable[[CompactJws], bool] | None = None) -> list[str]:
    """Identities holding a JWT that `accept`s, unprivileged first (their data is the proof)."""
    names = [
        name
        for name in ctx.identities
        if (jws := parsed_token(ctx, name)) is not None and (accept is None or accept(jws))
    ]
    return sorted(names, key=ctx.is_privileged)


@dataclass(frozen=True)
class JwtProbe:
    """One identity's token on one operation, with the baseline it is judged against."""

    operation: Operation
    identity: str
    token: str
    jws: CompactJws
    base: Baseline
    valid: Exchange
    anonymous: HttpRequest  # the operation's request with every credential removed

    @property
    def claims(self) -> dict[str, Any]:
        return dict(self.jws.payload or {})

    @property
    def alg(self) -> str:
        return self.jws.alg or ""


async def open_probe(
    ctx: Context, accept: Callable[[CompactJws], bool] | None = None, what: str = "a JWT"
) -> JwtProbe:
    """The probe for this task: the first fitting identity whose baseline here is usable and
    depends on the credential. Raises Inconclusive otherwise (never "safe")."""
    if ctx.operation is None:
        raise Inconclusive("this check probes an operation")
    candidates = jwt_identities(ctx, accept)
    if not candidates:
        any_jwt = jwt_identities(ctx)
        raise Inconclusive("not a JWT" if not any_jwt else f"no identity holds {what}")
    reasons: list[str] = []
    for name in candidates[:2]:
        try:
            base = await ctx.baseline(ctx.operation, name)
        except Inconclusive as exc:
            reasons.append(str(exc))
            continue
        if not base.depends_on_auth:
            raise Inconclusive(
                f"{ctx.operation.key} answers the same without a valid credential: not a probe "
                "for token forgeries"
            )
        jws = parsed_token(ctx, name)
        credential = ctx.credential(name)
        if jws is None or credential is None:
            continue
        valid, none, _junk = ctx.baseline_exchanges(ctx.operation, name)
        return JwtProbe(ctx.operation, name, credential.token, jws, base, valid, none.request)
    raise Inconclusive("; ".join(reasons) or f"no usable baseline with {what}")


def forged_request(ctx: Context, probe: JwtProbe, token: str) -> HttpRequest:
    """The operation's request carrying `token` where the identity's credential goes."""
    return ctx.with_credential(probe.anonymous, token, probe.identity)


@dataclass(frozen=True)
class Attempt:
    label: str
    token: str
    request: HttpRequest
    exchange: Exchange
    judgement: Judgement


@dataclass
class Trial:
    """What came of a list of forgeries: the confirmed acceptance, if any, and every attempt."""

    accepted: Attempt | None = None
    attempts: list[Attempt] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)

    def unclear(self) -> list[Attempt]:
        """Attempts that were neither accepted nor rejected (5xx, 400, a different 2xx…)."""
        return [a for a in self.attempts if a.judgement.verdict is Verdict.INCONCLUSIVE]

    def require_decision(self) -> None:
        """CHECKS.md §1.2: "SAFE if all are rejected"; anything else is not safe, so say so."""
        if self.unconfirmed:
            raise Inconclusive(
                "accepted once but did not reproduce: " + ", ".join(self.unconfirmed)
            )
        unclear = self.unclear()
        if unclear:
            shown = "; ".join(f"{a.label}: {a.judgement.reason}" for a in unclear[:3])
            raise Inconclusive(
                f"{len(unclear)} forgery answer(s) neither accepted nor refused ({shown})"
            )


async def try_forgeries(
    ctx: Context,
    probe: JwtProbe,
    forgeries: Iterable[tuple[str, str]],
    *,
    base: Baseline | None = None,
    stop_on_accept: bool = True,
) -> Trial:
    """Send each forgery in the identity's place; judge it; confirm the first acceptance."""
    reference = base or probe.base
    trial = Trial()
    for label, token in forgeries:
        request = forged_request(ctx, probe, token)
        exchange = await ctx.send(request)
        attempt = Attempt(label, token, request, exchange, ctx.judge(exchange, reference))
        trial.attempts.append(attempt)
        if attempt.judgement.accepted:
            if await ctx.confirm(request, reference):
                trial.accepted = trial.accepted or attempt
                if stop_on_accept:
                    return trial
            else:
                trial.unconfirmed.append(label)
    return trial


async def signature_ignored(ctx: Context, probe: JwtProbe) -> Attempt | None:
    """Whether this operation accepts the token with a garbled signature (CHECKS.md #6 (a)).

    Cached per operation and identity for the whole scan: every forgery check asks it once it
    has a positive, to tell its own flaw from the root cause "signature not checked at all".
    """
    cache: dict[tuple[str, str], asyncio.Future[Attempt | None]]
    cache = ctx.shared.setdefault(_SIGNATURE_CACHE, {})
    key = (probe.operation.key, probe.identity)
    if key not in cache:
        future: asyncio.Future[Attempt | None] = asyncio.get_running_loop().create_future()
        cache[key] = future
        try:
            flipped = signature_tampering(probe.token)[:1]
            trial = await try_forgeries(ctx, probe, flipped)
            future.set_result(trial.accepted)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()
            del cache[key]
            raise
    return await asyncio.shield(cache[key])


def forgery_evidence(probe: JwtProbe, attempt: Attempt) -> list[Evidence]:
    return [
        Evidence(f"valid request as {probe.identity}", probe.valid),
        Evidence(f"forged token: {attempt.label}", attempt.exchange, attempt.judgement.reason),
    ]


async def forgery_finding(
    ctx: Context,
    check: Check,
    probe: JwtProbe,
    attempt: Attempt,
    *,
    description: str,
    details: dict[str, Any] | None = None,
    severity: Severity | None = None,
    evidence: Sequence[Evidence] = (),
    title: str | None = None,
) -> tuple[Finding, bool]:
    """The finding for a confirmed forgery, and whether it stands on its own.

    Root cause, not noise (CHECKS.md §1.2): where the operation also takes a garbled signature,
    the forgery only shows that nothing is verified there. The finding is then pinned to that
    operation, so the runner folds it into `jwt-signature-not-verified`'s finding on the same
    operation; elsewhere it is one finding for the API.
    """
    facts = {"variant": attempt.label, "alg": probe.alg, **(details or {})}
    ignored = await signature_ignored(ctx, probe)
    if ignored is not None:
        facts["subsumed_by"] = SIGNATURE_CHECK_ID
    finding = ctx.finding(
        check,
        identity=probe.identity,
        title=title,
        description=description,
        evidence=[*forgery_evidence(probe, attempt), *evidence],
        confidence=Confidence.CERTAIN,
        severity=severity,
        reproduce=attempt.exchange,
        details=facts,
        api_wide=ignored is None,
    )
    return finding, ignored is None


def identity_claims(ctx: Context, probe: JwtProbe, other: str) -> dict[str, Any] | None:
    """The claims of `other`'s own token, to be signed in the probe's place: "switch `sub` to
    B" done so that everything B's answer depends on (session id, username) is B's too."""
    jws = parsed_token(ctx, other)
    if jws is None or jws.payload is None or "sub" not in jws.payload:
        return None
    return dict(jws.payload)


def oob_listen_settings(ctx: Context) -> tuple[str | None, bool]:
    """(external callback URL, target reachable on loopback): where an OOB listener can help.

    The local listener binds 127.0.0.1, so only a target on this machine can call it back; an
    operator-supplied `oob_url` (forwarded to the listener) covers the other targets.
    """
    external = ctx.facts.settings.get("oob_url")
    host = urlsplit(ctx.facts.target).hostname or ""
    try:
        loopback = host == "localhost" or ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return (str(external) if external else None), loopback


def supplied_tokens(ctx: Context, setting: str, identity: str) -> list[str]:
    """Operator-supplied tokens of `identity` from the scan settings (`setting: {name: token or
    [tokens]}`): genuine tokens a scanner cannot mint itself (another audience, another issuer,
    an expired one)."""
    by_identity = ctx.facts.settings.get(setting)
    if not isinstance(by_identity, dict):
        return []
    value = by_identity.get(identity)
    values = value if isinstance(value, list) else [value]
    return [token for token in values if isinstance(token, str) and token]
