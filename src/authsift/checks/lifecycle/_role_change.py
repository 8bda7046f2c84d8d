"""A role raised and lowered again by an admin, for token-privilege-change-not-reflected
(CHECKS.md #35: "an admin downgrades U's role … U replays the AT on a higher-role-only
operation").

Done only to an account of the scan (a canary) or the operator's disposable account, with the
id read from that account's own record. The account is raised to the admin identity's role,
logs in (its token now carries or stands for the higher role), and is lowered back to the role
its record showed; that token is then replayed on an admin-only read it reached while raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from authsift.analysis import Baseline, exchange_json
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._canary_accounts import Session, log_in, send_as
from authsift.checks.authz._login import body_fields
from authsift.checks.base import Context, Inconclusive
from authsift.checks.lifecycle._canary import CanaryPair, hide_tokens
from authsift.model import Exchange, HttpRequest, Operation
from authsift.spec.classify import looks_privileged

_ROLE_PATH = re.compile(r"(^|/)roles?(/|$)", re.I)
_ID_KEYS = ("id", "sub", "userid", "uuid", "accountid", "memberid", "username", "login", "handle")


@dataclass(frozen=True)
class Raised:
    """The account while raised: its session, the admin read it reached, how to lower it."""

    session: Session
    probe: Operation
    base: Baseline  # the admin identity's baseline on `probe`
    reached: Exchange  # the raised account's answer there
    lower: HttpRequest  # the admin's request that puts the original role back
    change: Operation
    original: str


def role_operation(ctx: Context) -> tuple[Operation, str] | None:
    """(operation, role field) of an admin function setting one account's role:
    `PUT /users/{id}/role {"role"}` and alike."""
    for op in ctx.operations:
        if op.method not in ("PUT", "PATCH", "POST") or op.path.count("{") != 1:
            continue
        if not _ROLE_PATH.search(op.path) or op.request_body is None:
            continue
        fields = body_fields(op)
        field = next((f for f in fields if normalized_key(f) in ("role", "roles")), None)
        if field is not None:
            return op, field
    return None


def account_id(record: Any, param: str, markers: frozenset[str]) -> str | None:
    """The account's id in its own record for the path parameter `param`; None unless the
    record carries the account's e-mail or user name (never another account's id)."""
    items = [record]
    if isinstance(record, dict):
        items += [record.get(k) for k in ("data", "user", "account", "attributes")]
    texts = {str(v).lower() for item in items if isinstance(item, dict) for v in item.values()}
    if not any(m and m.lower() in t for m in markers for t in texts):
        return None
    for wanted in (normalized_key(param), *_ID_KEYS):
        for item in items:
            if isinstance(item, dict):
                for key, value in item.items():
                    if normalized_key(str(key)) == wanted and isinstance(value, str | int):
                        return str(value)
    return None


def _role_in(record: Any) -> str | None:
    items = [record]
    if isinstance(record, dict):
        items += [record.get(k) for k in ("data", "user", "account", "attributes")]
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("role"), str):
            return str(item["role"])
    return None


async def raise_role(ctx: Context, pair: CanaryPair, admin: str) -> Raised:
    """Raise the account to the admin's role and log it in; Inconclusive with the reason when
    any step does not take (the role is put back before raising)."""
    found = role_operation(ctx)
    if found is None:
        raise Inconclusive("no admin operation sets one account's role (PUT /users/{id}/role)")
    change, field = found
    param = re.findall(r"\{([^}]+)\}", change.path)[0]
    record = exchange_json(pair.before)
    value = account_id(record, param, pair.canary.markers)
    original = _role_in(record) or next(
        (ctx.role(n) for n in ctx.identities if not ctx.is_privileged(n)), None
    )
    if value is None or original is None:
        raise Inconclusive("the account's own record shows no id (or role) to act on")
    probe, base = await _admin_read(ctx, pair, admin)
    url = ctx.url(change.path.replace("{" + param + "}", quote(value, safe="")))
    headers = (("Content-Type", "application/json"), ("Accept", "application/json"))

    def request(role: str) -> HttpRequest:
        return HttpRequest(change.method, url, headers, f'{{"{field}": "{role}"}}'.encode())

    lower = request(original)
    raised = await ctx.send(request(ctx.role(admin)), identity=admin)
    if raised.response is None or not 200 <= raised.response.status < 300:
        raise Inconclusive(f"{change.key} refused to raise the account's role ({raised.status})")
    session = await log_in(ctx, pair.way, pair.canary)
    if not isinstance(session, Session):
        await ctx.send(lower, identity=admin)
        raise Inconclusive("the raised account could not log in")
    hide_tokens(ctx, session.login)
    reached = await send_as(ctx, session, ctx.build(probe, as_identity=admin))
    if not ctx.judge(reached, base).accepted:
        await ctx.send(lower, identity=admin)
        raise Inconclusive(f"the raised account did not reach {probe.key} either")
    return Raised(session, probe, base, reached, lower, change, original)


async def _admin_read(ctx: Context, pair: CanaryPair, admin: str) -> tuple[Operation, Baseline]:
    """An admin-only read the account is refused now (judged against the admin's baseline)."""
    for op in ctx.operations:
        if op.method != "GET" or not looks_privileged(op):
            continue
        try:
            base = await ctx.baseline(op, admin)
        except Inconclusive:
            continue
        if not base.depends_on_auth:
            continue
        answer = await send_as(ctx, pair.first, ctx.build(op, as_identity=admin))
        if ctx.judge(answer, base).rejected:
            return op, base
    raise Inconclusive("no admin-only read that the account is refused")
