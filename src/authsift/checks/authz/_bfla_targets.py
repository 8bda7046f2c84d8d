"""What a privileged function may be tried on: an object the privileged identity creates, or,
for user management, a canary account the scanner signs up. Never a configured identity, never
an existing object or user of the API.

`acquire` returns the target with the privileged identity's read-back already showing it (the
proof that the object exists and that its state can be observed), and a cleanup that deletes
what was created or lists it in the report's leftovers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from authsift.analysis import exchange_json
from authsift.checks.authz._bfla_canary import CanaryAccount, sign_up, signup_operation
from authsift.checks.authz._bfla_writes import WriteFunction, normal
from authsift.checks.authz._inventory import request_for
from authsift.checks.authz._objects import (
    Created,
    attempt_create,
    create,
    creator_of,
    delete,
    remember_leftover,
)
from authsift.checks.authz._producers import id_of, last_param, listed_items, match_template
from authsift.checks.authz._readback import Observer, Reading, Target, readers_of
from authsift.checks.base import Context, Inconclusive
from authsift.model import Evidence, Exchange, Operation

_CANARY_KEY = "authz.bfla.canary-account"
_CANARY_LOCK = "authz.bfla.canary-account.lock"
_WHO = frozenset({"email", "emailaddress", "username", "login"})
_ACCOUNT_STATE = frozenset(
    {"role", "roles", "isadmin", "isstaff", "active", "isactive", "disabled", "banned", "isbanned"}
)


@dataclass(slots=True)
class Acquired:
    target: Target
    observer: Observer
    first: Reading  # the privileged identity's reading that shows the object
    origin: str  # "an object carol created", "a canary account (…)"
    evidence: list[Evidence]
    cleanup: Callable[[], Awaitable[None]]
    sent: dict[str, Any]  # what the object was created with (no password)


def spec_path(ctx: Context, template: str) -> str:
    """The object path as the spec spells it (`/recipes/{slug}/` for `/recipes/{slug}`)."""
    base = template.rstrip("/")
    for op in ctx.operations:
        if op.path.rstrip("/") == base and op.method in ("DELETE", "GET"):
            return op.path
    return template


async def created_object(ctx: Context, function: WriteFunction, admin: str) -> Acquired | None:
    """A sacrificial object made by `admin` (canaries in every free text field)."""
    template = spec_path(ctx, function.template)
    obj = await create(ctx, template, admin)
    if obj is None:
        return None
    target = Target(template, obj.params, obj.canaries)
    observer = Observer(ctx, target, admin)
    first = await observer.find(readers_of(template, ctx.operations))

    async def cleanup() -> None:
        await _delete(ctx, observer, template, obj.params, f"{template} {obj.params} of {admin}")

    if first is None:
        await cleanup()
        return None
    evidence = [Evidence(f"{admin} creates the object the function acts on", obj.creation)]
    origin = f"an object {admin} created"
    return Acquired(target, observer, first, origin, evidence, cleanup, dict(obj.sent))


async def canary_target(ctx: Context, function: WriteFunction, admin: str) -> Acquired:
    """A canary account, located by `admin` under the function's template. The caller holds
    `canary_lock` until it has put the account back."""
    login = ctx.facts.endpoints.get("login")
    signup = signup_operation(ctx.operations, login[1] if login else None)
    if signup is None:
        raise Inconclusive(
            f"{function.operation.key} acts on user accounts, and the API has no sign-up endpoint "
            "to create a canary account: the scanner never acts on configured identities or "
            "existing users. Test it by hand on a throwaway account"
        )
    readers = readers_of(function.template, ctx.operations)
    remover = _remover(ctx, function.template, readers)
    account = ctx.shared.get(_CANARY_KEY) if remover is None else None
    if not isinstance(account, CanaryAccount):
        account = await sign_up(ctx, signup)
        if account is None:
            raise Inconclusive(f"{signup.key} did not accept a canary account")
        if remover is None:
            ctx.shared[_CANARY_KEY] = account
            remember_leftover(ctx, f"{account.describe()}: the API offers no way to delete it")
    params = _parent_params(ctx, function, admin)
    own_id = _account_id(account, function.param)
    target = Target(function.template, {**params, function.param: own_id or ""}, account.markers)
    observer = Observer(ctx, target, admin)
    first = await observer.find(readers)
    if first is not None and not own_id:
        own_id = next((i for e in first.exchanges if (i := _located(e, target))), None)
        target = Target(function.template, {**params, function.param: own_id or ""}, target.markers)
        observer = Observer(ctx, target, admin, list(observer.readers))
    if first is None or not own_id:
        shown = ", ".join(op.key for op in readers) or "no GET of these objects in the spec"
        raise Inconclusive(
            f"the {account.describe()} is not visible to {admin} through {shown}: the function "
            "cannot be tested without acting on a real account"
        )

    async def cleanup() -> None:
        if remover is not None:
            await _delete(ctx, observer, remover.path, target.params, account.describe())

    evidence = [Evidence(f"{admin} sees the canary account the function acts on", first.shown)]
    origin = f"a {account.describe()}"
    return Acquired(target, observer, first, origin, evidence, cleanup, dict(account.identifiers))


def canary_lock(ctx: Context) -> asyncio.Lock:
    """One account-management probe at a time: they share the canary account."""
    lock = ctx.shared.setdefault(_CANARY_LOCK, asyncio.Lock())
    assert isinstance(lock, asyncio.Lock)
    return lock


def acts_on_accounts(ctx: Context, function: WriteFunction) -> bool:
    """The function acts on user accounts: by its path, or because the GETs of its objects
    answer with account records (an e-mail or username, and a role or status flag)."""
    if function.on_account:
        return True
    for reader in readers_of(function.template, ctx.operations):
        schema = next((s for code, s in reader.responses.items() if code.startswith("2")), None)
        if _account_record(schema):
            return True
    return False


def _account_record(schema: Any) -> bool:
    while isinstance(schema, dict) and "items" in schema:
        schema = schema["items"]
    if not isinstance(schema, dict):
        return False
    names = {normal(str(k)) for k in schema.get("properties") or {}}
    for value in (schema.get("properties") or {}).values():  # a page: {"results": [...]}
        if isinstance(value, dict) and value.get("type") == "array" and not names & _WHO:
            return _account_record(value)
    return bool(names & _WHO) and bool(names & _ACCOUNT_STATE)


def creatable(ctx: Context, function: WriteFunction) -> bool:
    return creator_of(ctx, spec_path(ctx, function.template)) is not None


async def manages_own(
    ctx: Context, function: WriteFunction, identity: str
) -> tuple[bool | None, Exchange | None]:
    """Whether `identity` may create objects of this kind itself (then writes to them are
    object-level, not function-level), with its creation attempt; None when the attempt was
    neither accepted nor refused. One attempt per (template, identity) and scan; what it creates
    is deleted again."""
    template = spec_path(ctx, function.template)
    cache = ctx.shared.setdefault("authz.bfla.manages-own", {})
    assert isinstance(cache, dict)
    if (template, identity) not in cache:
        obj, exchange = await attempt_create(ctx, template, identity)
        if obj is not None:
            await delete(ctx, obj)
        cache[(template, identity)] = (_decision(ctx, obj, exchange), exchange)
    decision, exchange = cache[(template, identity)]
    return decision, exchange


def _decision(ctx: Context, obj: Created | None, exchange: Exchange | None) -> bool | None:
    if obj is not None:
        return True
    response = exchange.response if exchange is not None else None
    if response is None:
        return None
    if response.status in (401, 403) or ctx.calibration.looks_like_rejection(response):
        return False
    return None


async def _delete(
    ctx: Context, observer: Observer, path: str, params: dict[str, str], what: str
) -> None:
    """Delete as the privileged identity unless already gone; verify; else a leftover."""
    try:
        if (await observer.read()).gone:
            return
        remover = next(
            (op for op in ctx.operations if op.method == "DELETE" and op.path == path), None
        )
        if remover is not None:
            request = request_for(ctx, remover, params, observer.identity)
            await ctx.send(request, identity=observer.identity)
            if (await observer.read()).gone:
                return
    except Exception:  # the budget ran out, the target went away: say what is left, go on
        remember_leftover(ctx, f"{what}: the scan stopped before deleting it")
        raise
    remember_leftover(ctx, f"{what}: could not be deleted")


def _remover(ctx: Context, template: str, readers: Sequence[Operation]) -> Operation | None:
    paths = {template.rstrip("/")} | {
        r.path.rstrip("/") for r in readers if last_param(r.path) is not None
    }
    return next(
        (op for op in ctx.operations if op.method == "DELETE" and op.path.rstrip("/") in paths),
        None,
    )


def _parent_params(ctx: Context, function: WriteFunction, admin: str) -> dict[str, str]:
    """The other path parameters (`{company_id}`), as the privileged identity's request fills
    them (config seeds, spec examples)."""
    built = ctx.build(function.operation, as_identity=admin)
    found = match_template(function.operation.path, built.url) or {}
    return {k: v for k, v in found.items() if k != function.param}


def _account_id(account: CanaryAccount, param: str) -> str | None:
    """The canary's value for `{param}`: a field it was signed up with (`username`), or the
    id the sign-up answered with."""
    for name, value in account.identifiers.items():
        if normal(name) == normal(param):
            return value
    answer = account.answer
    for candidate in (answer, *(answer.values() if isinstance(answer, dict) else ())):
        if isinstance(candidate, dict):
            found = id_of(candidate, param)
            if found is not None:
                return found
    return None


def _located(exchange: Any, target: Target) -> str | None:
    """The id of the listed item that carries the target's canaries."""
    answer = exchange_json(exchange)
    items = [answer] if isinstance(answer, dict) else []
    items += listed_items(answer)
    name = last_param(target.template) or ""
    for item in items:
        values = {str(v) for v in item.values() if isinstance(v, str | int)}
        if target.markers & values:
            return id_of(item, name)
    return None
