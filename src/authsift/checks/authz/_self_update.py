"""Mass assignment on self-update (`PATCH /me`, `PUT /profile`): on a canary account first.

When the API has a sign-up and a login, the update is probed on a canary account the scanner
signs up itself: the escalating values (`role: admin`, `is_admin: true`) are sent for real, the
canary logs in again (fresh token claims) and its view is compared with its own view before
the update; an admin operation it reaches is confirmed against a configured non-admin user
(still refused in between). No configured identity is touched. Without a sign-up, the caller
probes a configured identity with harmless markers and restores what changed.

The read-back is a `GET` on the same path, else the identity endpoint (`/me`, `/users/me`).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from authsift.analysis.volatile import normalized_key
from authsift.analysis.wording import human_list
from authsift.checks.authz._canary_accounts import Session, accepted, log_in, remove, send_as
from authsift.checks.authz._escalation import (
    View,
    admin_operations,
    granted,
    identity_reader,
    observe,
    shown,
    success_schemas,
)
from authsift.checks.authz._exposure import merge_schema
from authsift.checks.authz._inventory import request_for
from authsift.checks.authz._login import login_way
from authsift.checks.authz._privilege_values import (
    account_records,
    attempts,
    escalations,
    other_roles,
    unwrap,
)
from authsift.checks.authz._producers import fill, path_params
from authsift.checks.authz._signup import Probed, signed_in, signup_operation
from authsift.checks.base import Context, Inconclusive
from authsift.model import HttpRequest, Operation

_ID_PARAMS = frozenset({"id", "userid", "accountid", "uuid", "memberid", "profileid"})
_ACCOUNT_PARAMS = _ID_PARAMS | {"username", "user", "login", "handle", "account", "member"}
_CREDENTIAL_PATH = re.compile(
    r"pass(word|wd|phrase)|e-?mail|credential|mfa|otp|2fa|totp|recovery|security-?question", re.I
)


async def probe_on_canary(ctx: Context, op: Operation) -> Probed | None:
    """The probe on a canary account; None when no canary can be signed up and logged in."""
    way = login_way(ctx)
    signup = signup_operation(ctx, way) if way is not None else None
    if way is None or signup is None:
        return None
    if any(normalized_key(p) not in _ACCOUNT_PARAMS for p in path_params(op.path)):
        return None  # `/u/{username}/notes/{id}`: not the account's own record
    try:
        session, _ = await signed_in(ctx, signup, way)
    except Inconclusive:
        return None
    assert op.request_body is not None
    reader = identity_reader(ctx, prefer=op.path)
    admin_ops = admin_operations(ctx)
    current: Session = session
    before: View | None = None
    try:
        before = await observe(ctx, session, reader, admin_ops)
        if before.read is None and before.claims is None and not admin_ops:
            raise Inconclusive(
                f"nothing shows a canary account's privileges after {op.key} (no read-back of "
                "its own record, no token claims, no admin-only operation)"
            )
        account = unwrap(before.record)  # the account inside an envelope
        record = account if isinstance(account, dict) else {}
        params = own_params(op, record)
        if params is None:
            raise Inconclusive(
                f"{op.key} addresses an account by {human_list(path_params(op.path))}, and the "
                "canary account's own record does not show its value: not probed"
            )
        schemas = success_schemas(reader) if reader is not None else []
        privileges = escalations(op.request_body.schema, schemas, ctx.facts.privileged_roles)
        probed = Probed(op, before.read or session.login, signup=False)
        view = before

        async def update(extra: dict[str, Any]) -> bool:
            """Send `extra` as the canary; True once decided (as at sign-up)."""
            nonlocal current
            request = write_request(ctx, op, params, None, record, extra)
            answer = await send_as(ctx, current, request)
            if not accepted(ctx, answer):
                probed.note(answer)  # refused (400 unknown property, 422): safe for these fields
                return False
            again = await log_in(ctx, way, current.canary)  # fresh token claims
            current = again if isinstance(again, Session) else current
            after = await observe(ctx, current, reader, admin_ops)
            probed.attempt, probed.injected, probed.login = answer, dict(extra), current.login
            probed.shown = shown(view, after, extra)
            probed.grants = await granted(
                ctx, view, after, current, admin_ops, lambda r: _control(ctx, r)
            )
            return bool(probed.shown or probed.grants or len(extra) > 1)

        for extra in attempts(privileges):
            if await update(extra):
                break
        if not (probed.shown or probed.grants):
            for extra in other_roles(privileges, record)[:1]:
                await update(extra)
        return probed.decided()
    finally:
        await remove(ctx, way, current, before.record if before is not None else None)


def changes_credentials(op: Operation) -> bool:
    """A password, e-mail or second-factor change: only ever sent for canary accounts."""
    if _CREDENTIAL_PATH.search(op.path):
        return True
    schema = merge_schema(op.request_body.schema) if op.request_body is not None else {}
    required = schema.get("required") or []
    return any(
        "password" in normalized_key(str(f)) or "passwd" in normalized_key(str(f)) for f in required
    )


def write_request(
    ctx: Context,
    op: Operation,
    params: Mapping[str, str],
    identity: str | None,
    record: Mapping[str, Any],
    change: Mapping[str, Any],
) -> HttpRequest:
    """PATCH carries only the change; PUT the declared writable fields plus the change."""
    assert op.request_body is not None
    body: dict[str, Any] = dict(change)
    if op.method == "PUT":
        declared = (merge_schema(op.request_body.schema).get("properties") or {}).keys()
        body = {k: v for k, v in record.items() if k in declared} | body
    if identity:
        built = request_for(ctx, op, params, identity)
    else:
        built = ctx.build(op)
        if params:
            split = urllib.parse.urlsplit(built.url)
            url = ctx.url(fill(op.path, params)) + (f"?{split.query}" if split.query else "")
            built = HttpRequest(built.method, url, built.headers, built.body)
    headers = tuple(h for h in built.headers if h[0].lower() != "content-type")
    return HttpRequest(
        op.method,
        built.url,
        (*headers, ("Content-Type", "application/json")),
        json.dumps(body).encode(),
    )


def own_params(op: Operation, record: Mapping[str, Any]) -> dict[str, str] | None:
    """The path parameters of `op` (`{username}`, `{user_id}`) filled from the account's own
    record (its answer at the identity endpoint); None when one of them is not in it."""
    params: dict[str, str] = {}
    for name in path_params(op.path):
        wanted = normalized_key(name)
        keys = (wanted, "id") if wanted in _ID_PARAMS else (wanted, "username")
        value = next(
            (
                v
                for key in keys
                for r in account_records(record)
                for k, v in r.items()
                if normalized_key(str(k)) == key
                and isinstance(v, str | int)
                and not isinstance(v, bool)
            ),
            None,
        )
        if value is None:
            return None
        params[name] = str(value)
    return params


def _control(ctx: Context, request: HttpRequest) -> tuple[HttpRequest, str | None]:
    """A configured non-admin user's version of a request (anonymous when there is none)."""
    users = [n for n in ctx.identities if not ctx.is_privileged(n)]
    if users:
        return request, users[0]
    return ctx.with_credential(request, None), None
