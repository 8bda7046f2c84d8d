"""authz-trusted-header-spoofing (CHECKS.md #28); the user-facing doc is the class docstring."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace

from authsift.analysis import Baseline, Judgement, Verdict, is_strong_marker
from authsift.checks.authz._matrix import Access, Cell, observe
from authsift.checks.base import Check, Context, Inconclusive
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    HttpRequest,
    Operation,
    ParamLocation,
    Severity,
)
from authsift.spec.classify import looks_privileged

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Headers that gateways and auth proxies set after authenticating; the backend trusts them.
_ID_HEADERS = ("X-User-Id", "X-Consumer-ID", "X-Amzn-Oidc-Identity")
_NAME_HEADERS = (
    "X-User",
    "X-Forwarded-User",
    "X-Remote-User",
    "Remote-User",
    "X-Authenticated-User",
    "X-Auth-Request-User",
    "X-Consumer-Username",
    "X-MS-CLIENT-PRINCIPAL-NAME",
)
_EMAIL_HEADERS = ("X-Auth-Request-Email", "X-Forwarded-Email")
_NETWORK_HEADERS = (
    ("X-Forwarded-For", "127.0.0.1"),
    ("X-Real-IP", "127.0.0.1"),
    ("True-Client-IP", "127.0.0.1"),
    ("X-Client-IP", "127.0.0.1"),
    ("Forwarded", "for=127.0.0.1"),
)
_ROUTING_HEADERS = ("X-Original-URL", "X-Rewrite-URL")


@dataclass(frozen=True, slots=True)
class Spoof:
    """One probe: what it claims, the headers that claim it, and the answer it must match."""

    label: str
    headers: tuple[tuple[str, str], ...]
    request: HttpRequest
    sender: str | None  # whose credential travels with it; None = anonymous
    target: str  # the identity whose answer a successful spoof returns
    baseline: Baseline
    reference: Exchange | None  # that identity's own valid exchange, for the evidence


def identity_headers(markers: frozenset[str], privileged: bool) -> list[tuple[str, str]]:
    """Gateway identity headers filled with one identity's own values (id, name, e-mail)."""
    ids = sorted(m for m in markers if m.isdigit() or _UUID.match(m))
    emails = sorted(m for m in markers if _EMAIL.match(m))
    names = sorted(
        m for m in markers if m not in ids and m not in emails and re.fullmatch(r"[\w.-]+", m)
    )
    headers: list[tuple[str, str]] = []
    if ids:
        headers += [(h, ids[0]) for h in _ID_HEADERS]
    if names:
        headers += [(h, names[0]) for h in _NAME_HEADERS]
    if emails:
        headers += [(h, emails[0]) for h in _EMAIL_HEADERS]
        headers.append(("X-Goog-Authenticated-User-Email", "accounts.google.com:" + emails[0]))
    if privileged and headers:
        headers.append(("X-Roles", "admin"))
    return headers


class TrustedHeaderSpoofing(Check):
    """Identity or origin taken from client-supplied proxy headers.

    ## What it checks
    Sends identity-bearing requests, with no credential and with a user's credential, carrying
    the headers that gateways and auth proxies set after authenticating (`X-User-Id`,
    `X-Forwarded-User`, `X-Remote-User`, `X-Auth-Request-Email`, `X-Consumer-ID`, … and
    `X-Roles: admin`) filled with another identity's own id, name and e-mail; network headers
    (`X-Forwarded-For`, `X-Real-IP`, `True-Client-IP`, `Forwarded: for=127.0.0.1`); and
    routing headers (`X-Original-URL`, `X-Rewrite-URL`) naming an admin path while requesting an
    allowed one.

    ## Why it matters
    A backend that trusts these headers without a proxy that strips them from client requests
    lets anyone become anyone (CWE-290) or reach internal-only routes (CWE-348). RFC 9700 §4.13:
    "A reverse proxy MUST therefore sanitize any inbound requests".

    ## Example
    `GET /me` with no credential and `X-User-Id: 3` → `200 OK` with the admin's profile.

    ## Remediation
    Never take identity, roles or client address from request headers unless a trusted proxy sets
    them and strips every client-supplied copy; authenticate the caller from its credential.

    ## References
    RFC 9700 §4.13 · ASVS 5.0 V4.1.3 · ASVS 4.0.3 V14.5.4, V14.5.2 · WSTG-ATHZ-02
    · CWE-290, CWE-348

    ## Decision rule
    CHECKS.md #28: vulnerable only when a spoofed request is *accepted* by the shared judge as the
    impersonated identity's answer (2xx, ≥ 0.90 similar to that identity's baseline and unlike the
    rejected answers, that identity's own markers present) — or, for routing headers, as the
    admin's answer of the protected path — and it reproduces twice while the same request without
    the spoofed headers stays unaccepted. Runs on a few identity-bearing operations; one finding
    per API.
    """

    id = "authz-trusted-header-spoofing"
    title = "Identity taken from client-supplied proxy headers"
    family = Family.AUTHZ
    severity = Severity.CRITICAL
    cwe = (290, 348)
    owasp = "API2:2023"
    needs = frozenset({"two_identities"})
    granularity = "api"
    max_requests = 40
    # ~5 per usable probe operation, 0 on one no identity can use; measured with
    # benchmarks/estimate_accuracy.py
    expected_requests = 4
    baselines = "all"

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        operation = ctx.operation
        assert operation is not None
        cells = await observe(ctx, operation)
        allowed = [n for n in ctx.identities if cells[n].baseline is not None]
        if len(allowed) < 2:
            raise Inconclusive("fewer than two identities may use the operation")
        spoofs = [*_impersonations(ctx, operation, cells, allowed), _network(ctx, operation, cells)]
        for spoof in spoofs:
            found = await _try(ctx, spoof)
            if found is not None:
                yield self._finding(ctx, operation, spoof, *found)
                return
        routed = await _routing(ctx, operation, allowed)
        if routed is not None:
            found = await _try(ctx, routed)
            if found is not None:
                yield self._finding(ctx, operation, routed, *found)

    def _finding(
        self,
        ctx: Context,
        operation: Operation,
        spoof: Spoof,
        exchange: Exchange,
        judgement: Judgement,
    ) -> Finding:
        sender = spoof.sender or "an anonymous caller"
        headers = ", ".join(f"{name}: {value}" for name, value in spoof.headers[:4])
        more = f" and {len(spoof.headers) - 4} more" if len(spoof.headers) > 4 else ""
        return ctx.finding(
            self,
            identity=spoof.sender,
            description=(
                f"{spoof.sender or 'An anonymous caller'} sent {operation.key} with "
                f"{spoof.label} ({headers}{more}) and got "
                f"{spoof.target}'s answer: {judgement.reason}. Confirmed twice; the same request "
                "without those headers is not answered so."
            ),
            evidence=[
                *(
                    [Evidence(f"valid request as {spoof.target}", spoof.reference)]
                    if spoof.reference is not None
                    else []
                ),
                Evidence(f"{spoof.label} as {sender}", exchange, judgement.reason),
            ],
            confidence=Confidence.CERTAIN,
            victim=spoof.target,
            reproduce=exchange,
            details={
                "headers": [f"{name}: {value}" for name, value in spoof.headers],
                "kind": spoof.label,
                "similarity": round(judgement.sim_valid, 3),
                "markers": sorted(judgement.markers_found),
            },
            api_wide=True,
        )


def _impersonations(
    ctx: Context, operation: Operation, cells: Mapping[str, Cell], allowed: list[str]
) -> list[Spoof]:
    """Anonymous and then another identity, claiming to be a victim (admin victims first)."""
    victims = sorted(allowed, key=lambda name: not ctx.is_privileged(name))
    spoofs: list[Spoof] = []
    for victim in victims[:2]:
        base = cells[victim].baseline
        assert base is not None
        strong = frozenset(m for m in base.markers if is_strong_marker(m))
        headers = identity_headers(ctx.markers(victim), ctx.is_privileged(victim))
        if not strong or not headers:
            continue  # nothing in the answer would show whose it is
        request = ctx.build(operation, as_identity=victim)
        senders: list[str | None] = [None]
        senders += [n for n in allowed if n != victim and not ctx.is_privileged(n)][:1]
        for sender in senders:
            spoofs.append(
                Spoof(
                    "gateway identity headers",
                    tuple(headers),
                    request,
                    sender,
                    victim,
                    base,
                    cells[victim].exchange,
                )
            )
    return spoofs


def _network(ctx: Context, operation: Operation, cells: Mapping[str, Cell]) -> Spoof:
    """Anonymous with a loopback client address: trusted-network access instead of a login."""
    owner = next(n for n in ctx.identities if cells[n].baseline is not None)
    base = cells[owner].baseline
    assert base is not None
    request = ctx.build(operation, as_identity=owner)
    return Spoof(
        "loopback client-address headers",
        _NETWORK_HEADERS,
        request,
        None,
        owner,
        base,
        cells[owner].exchange,
    )


async def _routing(ctx: Context, operation: Operation, allowed: list[str]) -> Spoof | None:
    """A user's allowed request that names, in X-Original-URL, an admin path it is refused."""
    users = [n for n in allowed if not ctx.is_privileged(n)]
    protected = next(
        (
            op
            for op in ctx.operations
            if op.method == "GET"
            and op.key != operation.key
            and looks_privileged(op)
            and not any(p.location is ParamLocation.PATH for p in op.parameters)
        ),
        None,
    )
    if not users or protected is None:
        return None
    cells = await observe(ctx, protected)
    admins = [n for n in ctx.identities if ctx.is_privileged(n) and cells[n].baseline is not None]
    refused = [n for n in users if cells[n].access is Access.DENIED]
    if not admins or not refused:
        return None
    admin = admins[0]
    base = cells[admin].baseline
    assert base is not None
    path = protected.path
    headers = tuple((name, path) for name in _ROUTING_HEADERS)
    request = ctx.build(operation, as_identity=refused[0])
    label = f"routing headers to {path}"
    return Spoof(label, headers, request, refused[0], admin, base, cells[admin].exchange)


async def _try(ctx: Context, spoof: Spoof) -> tuple[Exchange, Judgement] | None:
    """Send the spoof; confirm a positive by re-sending it twice, each time interleaved with the
    same request without the spoofed headers, which must not be accepted (CHECKS.md §1.2)."""
    probe = replace(spoof.request, headers=(*spoof.request.headers, *spoof.headers))
    exchange = await ctx.send(probe, identity=spoof.sender)
    judgement = ctx.judge(exchange, spoof.baseline)
    if judgement.verdict is not Verdict.ACCEPTED:
        return None
    confirmed = await ctx.reproduces(
        probe,
        lambda again: ctx.judge(again, spoof.baseline).verdict is Verdict.ACCEPTED,
        identity=spoof.sender,
        control=lambda: spoof.request,
        # without the headers it must not work, or the headers change nothing
        control_holds=lambda answer: (
            ctx.judge(answer, spoof.baseline).verdict is not Verdict.ACCEPTED
        ),
        control_identity=spoof.sender,
    )
    return (exchange, judgement) if confirmed else None
