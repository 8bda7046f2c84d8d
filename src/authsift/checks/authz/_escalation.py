"""Did a canary account gain a privilege? Read it back, and reach what only admins reach.

Two kinds of evidence, each measured against a control that lacks the privilege fields (a
second canary signed up without them, or the same canary before its self-update):
- **read-back**: the identity endpoint (`GET /me`), the token claims or the login answer of the
  escalated canary carry the privileged value (`role: admin`), the control's do not. The
  identity endpoint counts only when its answer is the canary's own (its e-mail or user name).
- **effect**: an operation that the spec marks administrative (`/admin/...`, an `admin` tag) or
  that the access matrix shows allowed to privileged identities only is refused to the control
  and answers the escalated canary like it answers a privileged identity; re-sent twice with
  the control still refused in between (`ctx.reproduces`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from authsift.analysis import SIMILARITY_THRESHOLD, exchange_json, similarity
from authsift.analysis.similarity import jaccard
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._canary_accounts import IDENTITY_PATH, Session, send_as
from authsift.checks.authz._matrix import MATRIX_KEY, Access, AccessMatrix
from authsift.checks.authz._privilege_values import shows
from authsift.checks.base import Context
from authsift.jose import JoseError, parse_compact
from authsift.model import Exchange, HttpRequest, Operation
from authsift.spec.classify import looks_privileged

MAX_ADMIN_OPERATIONS = 2
_REFUSED = frozenset({401, 403, 404})


@dataclass(slots=True)
class View:
    """What one account shows of its own privileges."""

    read: Exchange | None = None  # the identity endpoint, when its answer is the account's own
    claims: dict[str, Any] | None = None
    login: Exchange | None = None
    admin: dict[str, Exchange] = field(default_factory=dict)  # operation key → answer

    @property
    def record(self) -> Any:
        return exchange_json(self.read) if self.read is not None else None

    def sources(self) -> list[tuple[str, Any, Exchange | None]]:
        login_answer = exchange_json(self.login) if self.login is not None else None
        return [
            (_where(self.read), self.record, self.read),
            ("its token claims", self.claims, self.login),
            ("its login answer", login_answer, self.login),
        ]


@dataclass(frozen=True, slots=True)
class Shown:
    name: str  # the field sent
    value: Any
    key: str  # where it shows (may differ for roles: `roles` in the token)
    where: str
    exchange: Exchange | None
    control: Exchange | None


@dataclass(frozen=True, slots=True)
class Grant:
    operation: Operation
    control: Exchange  # refused
    escalated: Exchange  # answered like a privileged identity
    reference: Exchange | None


def identity_reader(ctx: Context, prefer: str | None = None) -> Operation | None:
    """`GET` on `prefer` (the self-update's own path), else the identity endpoint (`/me`)."""
    gets = [op for op in ctx.operations if op.method == "GET" and "{" not in op.path]
    same = next((op for op in gets if op.path == prefer), None)
    if same is not None:
        return same
    mine = [op for op in gets if IDENTITY_PATH.search(op.path) and not looks_privileged(op)]
    mine.sort(key=lambda op: (op.path.count("/"), len(op.path)))
    return mine[0] if mine else None


def admin_operations(ctx: Context) -> list[Operation]:
    """Parameter-free reads only privileged callers may make: by the spec, or by the matrix."""
    reads = [
        op
        for op in ctx.operations
        if op.method == "GET"
        and "{" not in op.path
        and not op.declared_public
        and not IDENTITY_PATH.search(op.path)
    ]
    chosen = [op for op in reads if looks_privileged(op)]
    matrix = ctx.shared.get(MATRIX_KEY)
    if isinstance(matrix, AccessMatrix):
        for op in reads:
            row = matrix.row(op.key)
            admins = [n for n in ctx.identities if ctx.is_privileged(n)]
            users = [n for n in ctx.identities if not ctx.is_privileged(n)]
            if (
                op not in chosen
                and any(n in row and row[n].access is Access.ALLOWED for n in admins)
                and users
                and all(n in row and row[n].access is Access.DENIED for n in users)
            ):
                chosen.append(op)
    return chosen[:MAX_ADMIN_OPERATIONS]


async def observe(
    ctx: Context, session: Session, reader: Operation | None, admin_ops: list[Operation]
) -> View:
    view = View(login=session.login, claims=_claims(session.token))
    if reader is not None:
        read = await send_as(ctx, session, ctx.build(reader))
        if _is_own(read, session):
            view.read = read
    for op in admin_ops:
        view.admin[op.key] = await send_as(ctx, session, ctx.build(op))
    return view


def shown(control: View, escalated: View, injected: Mapping[str, Any]) -> list[Shown]:
    """Injected values the escalated account carries and the control does not.

    A value shown under its own name is credited to that field; one shown under a related role
    key (`roles: [admin]` in the token for `role: admin` sent) to the first field that claims
    it, so a combined body does not credit every role-like field with one `role`."""
    found: list[Shown] = []
    taken: set[tuple[str, str]] = set()
    sent = {normalized_key(name) for name in injected}
    for related in (False, True):
        for name, value in injected.items():
            if any(item.name == name for item in found):
                continue
            pairs = zip(escalated.sources(), control.sources(), strict=True)
            for (where, record, exchange), (_, before, before_exchange) in pairs:
                key = shows(record, name, value, related=related)
                if key is None or (where, key) in taken or before is None:
                    continue
                if related and normalized_key(key) in sent:
                    continue  # a field of that very name was sent: it explains the key
                if shows(before, name, value, related=related) is not None:
                    continue
                found.append(Shown(name, value, key, where, exchange, before_exchange))
                taken.add((where, key))
                break
    return found


async def granted(
    ctx: Context,
    control: View,
    escalated: View,
    session: Session,
    admin_ops: list[Operation],
    control_request: Callable[[HttpRequest], tuple[HttpRequest, str | None]],
) -> list[Grant]:
    """Admin operations refused to the control and granted to the escalated canary, confirmed.

    `control_request(request)` gives the control's version of a request and the identity to
    send it as (a control canary's token applied and None, or a configured user's name)."""
    admins = [n for n in ctx.identities if ctx.is_privileged(n)]
    grants: list[Grant] = []
    for op in admin_ops:
        before, after = control.admin.get(op.key), escalated.admin.get(op.key)
        if before is None or after is None or not _refused(ctx, before):
            continue
        if not _like_admin(ctx, after, before, None):
            continue
        request = ctx.build(op)
        reference = await ctx.send(request, identity=admins[0]) if admins else None
        if not _like_admin(ctx, after, before, reference):
            continue
        if await _confirmed(ctx, session, request, before, reference, control_request):
            grants.append(Grant(op, before, after, reference))
    return grants


async def _confirmed(
    ctx: Context,
    session: Session,
    request: HttpRequest,
    before: Exchange,
    reference: Exchange | None,
    control_request: Callable[[HttpRequest], tuple[HttpRequest, str | None]],
) -> bool:
    as_control, control_identity = control_request(request)

    def holds(again: Exchange) -> bool:
        # still granted; the likeness to the admin's answer was judged on the first answer
        # (a list of users changes while other tasks create and delete their canaries)
        return _like_admin(ctx, again, before, None)

    def still_refused(answer: Exchange) -> bool:
        return _refused(ctx, answer)

    return await ctx.reproduces(
        session.authorize(ctx, request),
        holds,
        control=lambda: as_control,
        control_holds=still_refused,
        control_identity=control_identity,
    )


def _refused(ctx: Context, exchange: Exchange) -> bool:
    response = exchange.response
    if response is None:
        return False
    return response.status in _REFUSED or ctx.calibration.looks_like_rejection(response) is not None


def _like_admin(
    ctx: Context, answer: Exchange, control: Exchange, reference: Exchange | None
) -> bool:
    response = answer.response
    if response is None or not 200 <= response.status < 300:
        return False
    if ctx.calibration.looks_like_rejection(response) is not None:
        return False
    if control.response is not None and control.response.body == response.body:
        return False
    if reference is None:
        return True
    ref = reference.response
    if ref is None or ref.status != response.status:
        return False
    if similarity(response, ref) >= SIMILARITY_THRESHOLD:
        return True
    # a list that changed in between (other tasks sign canaries up and delete them): the same
    # shape of answer (the same key paths, list positions aside) is the admin's answer
    mine, theirs = _shape(exchange_json(answer)), _shape(exchange_json(reference))
    return bool(mine) and jaccard(mine, theirs) >= SIMILARITY_THRESHOLD


def _shape(value: Any, path: str = "$") -> set[tuple[str, str]]:
    if isinstance(value, dict):
        found = {(path, "{}")}
        for key, item in value.items():
            found |= _shape(item, f"{path}.{key}")
        return found
    if isinstance(value, list):
        found = {(path, "[]")}
        for item in value:
            found |= _shape(item, f"{path}[]")
        return found
    return {(path, type(value).__name__)}


def _is_own(read: Exchange, session: Session) -> bool:
    response = read.response
    if response is None or not 200 <= response.status < 300:
        return False
    text = response.body.decode("utf-8", errors="replace").lower()
    return any(marker.lower() in text for marker in session.canary.markers)


def _claims(token: str) -> dict[str, Any] | None:
    try:
        return parse_compact(token).payload
    except (JoseError, ValueError):
        return None


def _where(read: Exchange | None) -> str:
    if read is None:
        return "the identity endpoint"
    path = read.request.url.split("://", 1)[-1]
    return "GET /" + path.split("/", 1)[-1] if "/" in path else "the identity endpoint"


def success_schemas(op: Operation) -> list[dict[str, Any]]:
    return [s for status, s in sorted(op.responses.items()) if status.startswith("2") and s]
