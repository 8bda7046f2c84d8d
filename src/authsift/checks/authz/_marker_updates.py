"""Marker writes on objects that are not the scanner's own accounts (CHECKS.md #25 steps 1-3).

A configured user's profile (`PATCH /me` when the API has no sign-up for canary accounts) and
objects the scanner creates itself get one undeclared property at a time, with a harmless value
(`_privilege_props.marker_value`: a canary string, `false`), read back through the same path or
the identity endpoint. A profile property that persisted is written back to its original value
at once; only a role that was restored is then tried with a privileged role name, and restored
again whatever happens (`_role_effect`). What cannot be restored is reported as a leftover.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from authsift.analysis import exchange_json
from authsift.analysis.wording import human_value
from authsift.checks.authz._escalation import success_schemas
from authsift.checks.authz._inventory import request_for
from authsift.checks.authz._objects import remember_leftover
from authsift.checks.authz._privilege_props import candidates, is_role, marker_value, persisted
from authsift.checks.authz._privilege_values import unwrap
from authsift.checks.authz._role_effect import RoleEffect, try_role
from authsift.checks.authz._self_update import write_request
from authsift.checks.base import Context, Inconclusive
from authsift.model import Exchange, HttpRequest, Operation

_LOCK_KEY = "authz.mass-assignment.profile"
_ACCOUNT_STATE = frozenset({"status", "state", "plan", "balance", "credit"})


@dataclass(frozen=True, slots=True)
class Hit:
    name: str
    value: Any
    attempt: Exchange
    after: Exchange
    restored: bool | None  # None: nothing to restore (a scanner-created object, deleted)
    effect: RoleEffect | None = None


async def probe_updates(
    ctx: Context,
    op: Operation,
    reader: Operation,
    params: Mapping[str, str],
    identity: str,
    *,
    restore: bool = True,
) -> list[Hit]:
    """One undeclared property at a time. A configured identity's profile (`restore`) is
    probed by one task at a time: two profile updates probed at once would each read the
    other's marker as the original value and "restore" it."""
    if not restore:
        return await _probe(ctx, op, reader, params, identity, restore=False)
    lock = ctx.shared.setdefault(f"{_LOCK_KEY}:{identity}", asyncio.Lock())
    assert isinstance(lock, asyncio.Lock)
    async with lock:
        return await _probe(ctx, op, reader, params, identity, restore=True)


async def _probe(
    ctx: Context,
    op: Operation,
    reader: Operation,
    params: Mapping[str, str],
    identity: str,
    *,
    restore: bool,
) -> list[Hit]:
    read = request_for(ctx, reader, params, identity)
    before = await ctx.send(read, identity=identity)
    record = unwrap(exchange_json(before))  # the account inside `{"ok": true, "user": {...}}`
    if not isinstance(record, dict) or before.status is None or before.status >= 300:
        raise Inconclusive(f"{reader.key} could not be read as {identity} before the probe")
    assert op.request_body is not None
    hits: list[Hit] = []
    for name in candidates(op.request_body.schema, next(iter(success_schemas(reader)), None)):
        if restore and name in _ACCOUNT_STATE:
            continue  # a canary account status could lock the identity out before restore
        present = name in record
        value = marker_value(name, record.get(name), present)
        if value is None:
            continue
        attempt = await ctx.send(
            write_request(ctx, op, params, identity, record, {name: value}), identity=identity
        )
        after = await ctx.send(read, identity=identity)
        if not persisted(exchange_json(after), name, value):
            continue
        restored: bool | None = None
        if restore:
            restored = present and await _restore(ctx, op, read, params, identity, record, name)
            if not restored:
                remember_leftover(
                    ctx, f"{op.path} as {identity}: property {name} left at {human_value(value)}"
                )
        effect = None
        if restored and is_role(name) and isinstance(record[name], str):
            effect = await try_role(
                ctx,
                identity,
                _setter(ctx, op, read, params, identity, record, name),
                record[name],
            )
        hits.append(Hit(name, value, attempt, after, restored, effect))
    return hits


def _setter(
    ctx: Context,
    op: Operation,
    read: HttpRequest,
    params: Mapping[str, str],
    identity: str,
    record: dict[str, Any],
    name: str,
) -> Callable[[str], Awaitable[bool]]:
    async def set_value(value: str) -> bool:
        write = write_request(ctx, op, params, identity, record, {name: value})
        await ctx.send(write, identity=identity)
        return persisted(exchange_json(await ctx.send(read, identity=identity)), name, value)

    return set_value


async def _restore(
    ctx: Context,
    op: Operation,
    read: HttpRequest,
    params: Mapping[str, str],
    identity: str,
    record: dict[str, Any],
    name: str,
) -> bool:
    await ctx.send(
        write_request(ctx, op, params, identity, record, {name: record[name]}),
        identity=identity,
    )
    return persisted(exchange_json(await ctx.send(read, identity=identity)), name, record[name])
