"""What the session-ending checks share (CHECKS.md #32, #34, #36, #37): one probe operation per
scan, a throwaway session of an identity, replays of its access token judged against the
identity's baseline, and the severity of a token that outlives its session.

Every probe here runs on a throwaway session (`ctx.throwaway_session()`): the scan's working
session is never logged out, revoked or refreshed by these checks.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace

from authsift.analysis import Baseline, Judgement, Verdict
from authsift.checks._throwaway import RefreshView, ThrowawayView
from authsift.checks.base import (
    Context,
    CoveredElsewhere,
    Inconclusive,
)
from authsift.jose import JoseError, parse_compact
from authsift.model import Evidence, Exchange, HttpRequest, Operation, Severity

GRACE = 2.0  # seconds between ending a session and the confirming replays (propagation)
LATE = 60.0  # CHECKS.md #32, #34: an access token that counts is accepted 60 s after the end
_SHORT = 900  # CHECKS.md §2: a token with ≤ 15 min left is a small window → low
_LONG = 86_400  # more than a day left (a 30-day token) → high
_UNCLEAR = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class SessionProbe:
    """The operation a throwaway's access token is replayed on, as the identity it belongs to."""

    operation: Operation
    identity: str
    baseline: Baseline
    request: HttpRequest  # the operation's valid request, without any credential


async def open_session_probe(ctx: Context, owner_key: str) -> SessionProbe:
    """This scan's probe for one check: the task's operation, with the first identity that can
    log in again and whose baseline there is usable and depends on the credential. Only one
    task per check runs the probe (`owner_key` in `ctx.shared`); the others are covered."""
    if owner_key in ctx.shared:
        raise CoveredElsewhere(f"tested once per scan, on {ctx.shared[owner_key]}")
    if ctx.operation is None:
        raise Inconclusive("this check replays tokens on an operation")
    unavailable = ctx.throwaway_unavailable()
    if unavailable is not None:
        raise Inconclusive(f"needs a fresh login of an identity: {unavailable}")
    reasons: list[str] = []
    candidates = [n for n in ctx.identities if ctx.throwaway_unavailable(n) is None]
    for name in candidates[:2]:
        try:
            base = await ctx.baseline(ctx.operation, name)
        except Inconclusive as exc:
            reasons.append(str(exc))
            continue
        if not base.depends_on_auth:
            reasons.append(f"{ctx.operation.key} answers the same without a valid credential")
            continue
        if owner_key in ctx.shared:  # another task claimed it while this one measured
            raise CoveredElsewhere(f"tested once per scan, on {ctx.shared[owner_key]}")
        ctx.shared[owner_key] = ctx.operation.key
        _valid, none, _junk = ctx.baseline_exchanges(ctx.operation, name)
        return SessionProbe(ctx.operation, name, base, none.request)
    raise Inconclusive("; ".join(reasons) or "no identity with a usable baseline here")


async def fresh_session(
    ctx: Context, probe: SessionProbe
) -> tuple[ThrowawayView, SessionProbe, Exchange]:
    """A throwaway session of the probe's identity, and the probe re-based on it: its own two
    valid answers become the reference (an operation that echoes the session — its id, its
    expiry — answers a second session unlike the first), with the identity's no-credential and
    junk answers as the rejected ones. Inconclusive when its token is not accepted there."""
    session = await ctx.throwaway_session(probe.identity)
    request = ctx.as_session(probe.request, session)
    first = await ctx.send(request)
    second = await ctx.send(request)
    _valid, none, junk = ctx.baseline_exchanges(probe.operation, probe.identity)
    if first.response is None or second.response is None:
        raise Inconclusive(f"the fresh session's request failed: {first.error or second.error}")
    base = Baseline.from_responses(
        (first.response, second.response),
        none=none.response,
        junk=junk.response,
        identity_markers=ctx.markers(probe.identity),
        threshold=probe.baseline.threshold,
        identity=probe.identity,
    )
    usable, reason = base.usable
    if not usable or not base.depends_on_auth:
        why = reason if not usable else "it answers alike without a valid credential"
        raise Inconclusive(
            f"the fresh login's access token gives no usable answer on {probe.operation.key} "
            f"({why}): nothing to end"
        )
    return session, replace(probe, baseline=base), first


async def replay(
    ctx: Context, probe: SessionProbe, session: ThrowawayView
) -> tuple[Exchange, Judgement]:
    """The probe operation with the session's access token, judged against the baseline."""
    exchange = await ctx.send(ctx.as_session(probe.request, session))
    return exchange, ctx.judge(exchange, probe.baseline)


async def still_accepted(ctx: Context, probe: SessionProbe, session: ThrowawayView) -> bool:
    """CHECKS.md §1.2 after `GRACE` seconds: the replay stays accepted on two more re-sends,
    interleaved with junk controls that stay rejected."""
    await asyncio.sleep(GRACE)
    return await ctx.confirm(ctx.as_session(probe.request, session), probe.baseline)


async def accepted_late(
    ctx: Context, probe: SessionProbe, session: ThrowawayView, ended_at: float
) -> tuple[Exchange | None, float]:
    """The replay once the revocation window (`LATE` by default) has passed since the session
    ended, if it is still accepted (None when the token died meanwhile: a revocation that
    propagates through a cache or a replicated deny-list within a minute is not reported), and
    the wait."""
    late = revocation_window(ctx, LATE)
    await asyncio.sleep(max(0.0, ended_at + late - time.time()))
    exchange, judgement = await replay(ctx, probe, session)
    return (exchange if judgement.verdict is Verdict.ACCEPTED else None), late


def revocation_window(ctx: Context, default: float) -> float:
    """How long a revocation may take before a token that still works counts: the config's
    `lifecycle.revocation_window`, else `default` (CHECKS.md §2: within 60 s)."""
    value = ctx.facts.settings.get("revocation_window")
    return float(value) if isinstance(value, int | float) else default


def require_answer(exchange: Exchange, what: str) -> None:
    """A step whose answer says nothing (no response, throttled, server error) stops the check."""
    status = exchange.status
    if status is None or status in _UNCLEAR:
        why = exchange.error if status is None else f"HTTP {status}"
        raise Inconclusive(f"{what} gave no usable answer ({why})")


async def refresh_works(ctx: Context, probe: SessionProbe, outcome: RefreshView) -> bool:
    """A refresh that minted an access token the probe operation answers with 2xx and does not
    reject: the refresh token really is honoured (a 2xx carrying an error, or a token that does
    not work, is not). Not "accepted as alike": the minted token's session may answer with its
    own expiry or id."""
    if not outcome.accepted or outcome.session is None:
        return False
    exchange, judgement = await replay(ctx, probe, outcome.session)
    status = exchange.status or 0
    return 200 <= status < 300 and judgement.verdict is not Verdict.REJECTED


async def refresh_channel_works(ctx: Context, probe: SessionProbe) -> bool:
    """Control for a refused refresh: a new throwaway session's refresh token is honoured, so a
    refusal means the token was revoked, not that refreshing never works."""
    control = await ctx.throwaway_session(probe.identity)
    if control.refresh_token is None:
        return False
    outcome = await ctx.refresh_session(control)
    return await refresh_works(ctx, probe, outcome)


def remaining_lifetime(session: ThrowawayView, now: float | None = None) -> float | None:
    """Seconds the access token still lives: JWT `exp`, else the login answer's `expires_in`;
    None when nothing says (an opaque token without `expires_in`); inf for a JWT without `exp`."""
    now = time.time() if now is None else now
    if session.is_jwt:
        try:
            claims = parse_compact(session.token).payload or {}
        except JoseError:
            claims = {}
        exp = claims.get("exp")
        if isinstance(exp, int | float) and not isinstance(exp, bool):
            return max(0.0, float(exp) - now)
        if session.expires_in is None:
            return float("inf")
    if session.expires_in is not None:
        return max(0.0, session.issued_at + session.expires_in - now)
    return None


def window_severity(remaining: float | None) -> Severity:
    """A surviving access token matters by how long it survives (issue 9: a 5-minute token not
    revoked is low, a 30-day one high); an unknown lifetime is medium."""
    if remaining is None:
        return Severity.MEDIUM
    if remaining <= _SHORT:
        return Severity.LOW
    if remaining <= _LONG:
        return Severity.MEDIUM
    return Severity.HIGH


def describe_window(session: ThrowawayView, remaining: float | None) -> str:
    if remaining is None:
        return "its lifetime is unknown (an opaque token without expires_in)"
    if remaining == float("inf"):
        return "it has no expiry at all (a JWT without exp, no expires_in)"
    kind = "a self-contained JWT" if session.is_jwt else "the token"
    return f"{kind}, it stays valid for about {human_duration(remaining)} more"


def human_duration(seconds: float) -> str:
    for unit, size in (("days", 86_400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def login_evidence(session: ThrowawayView) -> Evidence:
    return Evidence(
        f"fresh login of {session.identity} (throwaway session {session.label})", session.login
    )


def client_authenticated(exchange: Exchange) -> bool:
    """The refresh request carried client authentication (RFC 6749 §2.3: HTTP Basic, or
    `client_secret`/`client_assertion` in the body): a confidential client, whose refresh
    tokens are bound to its credentials (RFC 6749 §6, §10.4)."""
    request = exchange.request
    if (request.header("Authorization") or "").lower().startswith("basic "):
        return True
    body = request.body or b""
    return b"client_secret=" in body or b"client_assertion=" in body


async def refreshed_session(
    ctx: Context, probe: SessionProbe, session: ThrowawayView
) -> RefreshView:
    """The session's first refresh, which must be honoured (else nothing can be said)."""
    if session.refresh_token is None:
        raise Inconclusive(f"the login of {session.identity} gave no refresh token")
    if session.refresh_endpoint is None:
        raise Inconclusive(
            f"no refresh endpoint for {session.identity} (endpoints.refresh, or an OAuth 2.0 "
            "token endpoint)"
        )
    outcome = await ctx.refresh_session(session)
    require_answer(outcome.exchange, "the first refresh")
    if not await refresh_works(ctx, probe, outcome):
        raise Inconclusive(
            f"refreshing a fresh session was refused (HTTP {outcome.status}): the refresh "
            "endpoint or its request shape does not work for this identity"
        )
    return outcome
