"""Canary accounts as targets: user-management functions (ban, suspend, deactivate, set a
role) are tried only on an account the scanner signed up itself, located by the privileged
identity under the function's path, never on a configured identity or an existing user.

Where the privileged identity's view of the account shows no account state (a public profile),
the canary also reads itself through the identity endpoint. Where the API has no sign-up, the
function cannot be tested safely: the reason says which accounts it would have had to act on,
and how to test it by hand.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from authsift.analysis import exchange_json
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._bfla_canary import (
    CanaryAccount,
    identity_endpoint,
    log_in,
    sign_up,
    signup_operation,
)
from authsift.checks.authz._bfla_targets import Acquired, delete_target
from authsift.checks.authz._bfla_writes import WriteFunction
from authsift.checks.authz._objects import remember_leftover
from authsift.checks.authz._producers import (
    id_of,
    last_param,
    listed_items,
    match_template,
    path_params,
)
from authsift.checks.authz._readback import Observer, Reading, Target, inner, readers_of
from authsift.checks.base import Context, Inconclusive
from authsift.model import Evidence, Operation

_CANARY_KEY = "authz.bfla.canary-account"
_CANARY_LOCK = "authz.bfla.canary-account.lock"
_WHO = frozenset({"email", "emailaddress", "username", "login"})
_ACCOUNT_STATE = frozenset(
    {"role", "roles", "isadmin", "isstaff", "active", "isactive", "disabled", "banned", "isbanned"}
)


async def canary_target(
    ctx: Context, function: WriteFunction, admin: str, callers: Sequence[str]
) -> Acquired:
    """A canary account, located by `admin` under the function's template. The caller holds
    `canary_lock` until it has put the account back."""
    login = ctx.facts.endpoints.get("login")
    signup = signup_operation(ctx.operations, login[1] if login else None)
    if signup is None:
        raise Inconclusive(_no_signup(ctx, function, admin, callers))
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
        shown = ", ".join(op.key for op in readers)
        where = f"through {shown}" if shown else "(the spec has no GET of these objects)"
        raise Inconclusive(
            f"the {account.describe()} is not visible to {admin} {where}: the function cannot "
            "be tested without acting on a real account"
        )
    first = await _with_itself(ctx, function, account, observer, first)

    async def cleanup() -> None:
        if remover is not None:
            await delete_target(ctx, observer, remover.path, target.params, account.describe())

    evidence = [Evidence(f"{admin} sees the canary account the function acts on", first.shown)]
    origin = f"a {account.describe()}"
    return Acquired(target, observer, first, origin, evidence, cleanup, dict(account.identifiers))


async def _with_itself(
    ctx: Context,
    function: WriteFunction,
    account: CanaryAccount,
    observer: Observer,
    first: Reading,
) -> Reading:
    """Where the privileged identity's view of the canary shows no account state (a public
    profile without role or status), the canary also reads itself through the identity
    endpoint: `first` with that reading added when it shows the account."""
    body = function.operation.request_body
    wanted = (
        _ACCOUNT_STATE | {normalized_key(str(k)) for k in (body.schema.get("properties") or {})}
        if body
        else _ACCOUNT_STATE
    )
    shown = {
        normalized_key(path.rsplit(".", 1)[-1]) for state in first.states if state for path in state
    }
    me = identity_endpoint(ctx.operations)
    if shown & wanted or me is None or me in observer.readers:
        return first
    session = await log_in(ctx, account)
    return first if session is None else await observer.add_own(me, session, first)


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
    names = {normalized_key(str(k)) for k in schema.get("properties") or {}}
    for value in (schema.get("properties") or {}).values():  # a page: {"results": [...]}
        if isinstance(value, dict) and value.get("type") == "array" and not names & _WHO:
            return _account_record(value)
    return bool(names & _WHO) and bool(names & _ACCOUNT_STATE)


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
        if normalized_key(name) == normalized_key(param):
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
    items += [found] if (found := inner(answer)) else []
    items += listed_items(answer)
    name = last_param(target.template) or ""
    for item in items:
        values = {str(v) for v in item.values() if isinstance(v, str | int)}
        if target.markers & values:
            return id_of(item, name)
    return None


def _no_signup(ctx: Context, function: WriteFunction, admin: str, callers: Sequence[str]) -> str:
    """Why a user-management function cannot be tested, and how to test it by hand."""
    op = function.operation.key
    configured = ", ".join(ctx.identities)
    others = [f"{{{p}}}" for p in path_params(function.template) if p != function.param]
    within = f" under the same {' and '.join(others)}" if others else ""
    return (
        f"{op} acts on user accounts (`{{{function.param}}}`), and the only accounts here are "
        f"existing users, the configured identities ({configured}) among them: the scanner "
        "never acts on those, and this API has no sign-up endpoint (a JSON POST on a sign-up "
        "or register path whose body takes a password) through which it could make an account "
        f"of its own. To test it by hand: make a throwaway account{within}, call {op} on it as "
        f"{', '.join(callers)}, and check as {admin} that the call was refused and the account "
        "is unchanged; or expose a sign-up in the test environment and scan again"
    )
