"""Canary sessions for the lifecycle checks that change an account (CHECKS.md #33, #35).

A password change or an account disable is only ever done to an account the scan signed up
itself (`checks/authz/_signup.py`, `_canary_accounts.py`), never to a configured identity. Its
sessions are judged without a configured baseline: a replay is *accepted* when it answers 2xx
with the canary's own e-mail or user name, like the session's first answer did, and *refused*
when it answers 401/403 or what the API's calibration calls a rejection.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from authsift.analysis import exchange_json, loads_or_none
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._canary_accounts import (
    IDENTITY_PATH,
    Canary,
    Session,
    log_in,
    remove,
    send_as,
)
from authsift.checks.authz._login import body_fields, login_way
from authsift.checks.authz._objects import remember_leftover
from authsift.checks.authz._signup import signed_in, signup_operation
from authsift.checks.base import Context, Inconclusive, LoginFacts
from authsift.model import Exchange, HttpRequest, Operation

_JWS = re.compile(r"^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class CanaryPair:
    """A signed-up canary with two independent sessions and the operation that shows it."""

    way: LoginFacts
    first: Session
    second: Session
    whoami: Operation
    before: Exchange  # the second session's answer there, before anything changed
    disposable: bool = False  # an operator's disposable account: changed back, never deleted

    @property
    def canary(self) -> Canary:
        return self.first.canary


def whoami_operation(ctx: Context) -> Operation | None:
    """A `GET` on the caller's own account (`/me`, `/profile`), no path parameters; an OIDC
    `userinfo` only when there is nothing else (it shows claims, not the account record)."""
    found = [
        op
        for op in ctx.operations
        if op.method == "GET" and "{" not in op.path and IDENTITY_PATH.search(op.path)
    ]
    found.sort(key=lambda op: "userinfo" in op.path.lower())
    return found[0] if found else None


@asynccontextmanager
async def account_turn(ctx: Context) -> AsyncIterator[None]:
    """Checks that change the operator's disposable account take turns with it (a password
    changed by one would fail the other's login); canary accounts are each check's own."""
    if not disposable_accounts(ctx):
        yield
        return
    lock: asyncio.Lock = ctx.shared.setdefault("lifecycle.disposable.lock", asyncio.Lock())
    async with lock:
        yield


def disposable_accounts(ctx: Context) -> list[tuple[str, str]]:
    """(user name, password) of the operator's disposable accounts (`lifecycle.accounts`)."""
    listed = ctx.facts.settings.get("disposable_accounts")
    if not isinstance(listed, list):
        return []
    return [
        (str(a["username"]), str(a["password"]))
        for a in listed
        if isinstance(a, dict) and a.get("username") and a.get("password")
    ]


async def account_pair(ctx: Context) -> CanaryPair:
    """Two sessions of the operator's disposable account when one is configured, else of a
    canary account the scan signs up; never of a scan identity."""
    accounts = disposable_accounts(ctx)
    if not accounts:
        return await canary_pair(ctx)
    way = login_way(ctx)
    whoami = whoami_operation(ctx)
    if way is None or whoami is None:
        raise Inconclusive("no login operation, or none showing the caller's own account")
    username, password = accounts[0]
    placeholder = Exchange(0, HttpRequest("POST", ctx.url(way.path)), None)
    account = Canary(username, username, password, "lifecycle.accounts", placeholder)
    sessions = [await log_in(ctx, way, account) for _ in range(2)]
    first, second = sessions
    if not isinstance(first, Session) or not isinstance(second, Session):
        raise Inconclusive(f"the disposable account {username} could not log in")
    if first.token == second.token:
        raise Inconclusive(f"two logins of {username} gave one session")
    hide_tokens(ctx, first.login)
    hide_tokens(ctx, second.login)
    before = await send_as(ctx, second, ctx.build(whoami))
    if not accepted(ctx, account, before):
        raise Inconclusive(f"{whoami.key} did not show {username} its own account")
    return CanaryPair(way, first, second, whoami, before, disposable=True)


async def canary_pair(ctx: Context) -> CanaryPair:
    """Sign a canary up and log it in twice, or Inconclusive with the reason."""
    way = login_way(ctx)
    if way is None:
        raise Inconclusive("no login operation (endpoints.login or the spec) for a canary account")
    signup = signup_operation(ctx, way)
    if signup is None:
        raise Inconclusive(
            "needs a sign-up operation for a canary account: this check never changes a "
            "configured identity's account"
        )
    whoami = whoami_operation(ctx)
    if whoami is None:
        raise Inconclusive("no operation shows the caller's own account (GET /me or alike)")
    first, _ = await signed_in(ctx, signup, way)
    second = await log_in(ctx, way, first.canary)
    if not isinstance(second, Session) or second.token == first.token:
        await cleanup(ctx, way, first)
        raise Inconclusive("a second login of the canary gave no separate session")
    hide_tokens(ctx, first.login)
    hide_tokens(ctx, second.login)
    before = await send_as(ctx, second, ctx.build(whoami))
    if not accepted(ctx, first.canary, before):
        await cleanup(ctx, way, first)
        raise Inconclusive(
            f"{whoami.key} did not show the canary its own account (answered {before.status})"
        )
    return CanaryPair(way, first, second, whoami, before)


def accepted(ctx: Context, canary: Canary, exchange: Exchange) -> bool:
    response = exchange.response
    if response is None or not 200 <= response.status < 300:
        return False
    if ctx.calibration.looks_like_rejection(response) is not None:
        return False
    text = response.body.decode("utf-8", errors="replace").lower()
    return any(marker.lower() in text for marker in canary.markers)


def refused(ctx: Context, exchange: Exchange) -> bool:
    response = exchange.response
    if response is None:
        return False
    return (
        response.status in (401, 403) or ctx.calibration.looks_like_rejection(response) is not None
    )


def hide_tokens(ctx: Context, exchange: Exchange) -> None:
    """Register every JWT-shaped or `*token`/`access`/`refresh` string of an answer."""
    response = exchange.response
    answer = loads_or_none(response.body) if response is not None else None
    for key, value in _strings(answer):
        name = normalized_key(key)
        if _JWS.match(value) or (
            len(value) >= 16 and (name.endswith("token") or name in ("access", "refresh"))
        ):
            ctx.add_secret(value, f"$CANARY_{name.upper() or 'TOKEN'}")


def _strings(node: Any, key: str = "") -> list[tuple[str, str]]:
    if isinstance(node, str):
        return [(key, node)]
    if isinstance(node, dict):
        return [pair for k, v in node.items() for pair in _strings(v, str(k))]
    if isinstance(node, list):
        return [pair for item in node for pair in _strings(item, key)]
    return []


async def cleanup(ctx: Context, way: LoginFacts, session: Session) -> bool:
    """Delete the canary (as itself, else as an admin), or report it as a leftover."""
    whoami = whoami_operation(ctx)
    record = None
    if whoami is not None:
        record = exchange_json(await send_as(ctx, session, ctx.build(whoami)))
    return await remove(ctx, way, session, record)


async def relogin(ctx: Context, way: LoginFacts, canary: Canary, password: str) -> Session | None:
    """A fresh session of the canary with its new password (for the clean-up)."""
    changed = dataclasses.replace(canary, password=password)
    session = await log_in(ctx, way, changed)
    return session if isinstance(session, Session) else None


def password_change_operation(ctx: Context) -> tuple[Operation, str | None, str] | None:
    """(operation, current-password field or None, new-password field) of a self-service
    password change: a `PUT`/`POST`/`PATCH` without path parameters whose body takes a new
    password (and usually the current one), on a path that names the password."""
    for op in ctx.operations:
        if op.method not in ("PUT", "POST", "PATCH") or "{" in op.path:
            continue
        if "password" not in op.path.lower() or re.search(r"reset|forgot|recover", op.path, re.I):
            continue
        fields = body_fields(op)
        keys = {f: normalized_key(f) for f in fields}
        new = next((f for f, k in keys.items() if "pass" in k and "new" in k), None)
        current = next(
            (f for f, k in keys.items() if "pass" in k and re.search("current|old", k)), None
        )
        if new is None:
            new = next((f for f, k in keys.items() if k == "password"), None)
        if new is not None:
            return op, current, new
    return None


def change_request(
    ctx: Context, op: Operation, current: str | None, new_field: str, old: str, new: str
) -> HttpRequest:
    body: dict[str, Any] = {new_field: new}
    if current is not None:
        body[current] = old
    built = ctx.build(op)
    headers = tuple(h for h in built.headers if h[0].lower() != "content-type")
    payload = json.dumps(body).encode()
    return HttpRequest(
        op.method, built.url, (*headers, ("Content-Type", "application/json")), payload
    )


async def restore_password(
    ctx: Context,
    pair: CanaryPair,
    session: Session | None,
    change: tuple[Operation, str | None, str],
    current: str,
) -> bool:
    """Change a disposable account's password back; a failure is reported as a leftover."""
    op, current_field, new_field = change
    original = pair.canary.password
    if session is not None:
        request = change_request(ctx, op, current_field, new_field, current, original)
        await ctx.send(session.authorize(ctx, request))
        if isinstance(await log_in(ctx, pair.way, pair.canary), Session):
            return True
    remember_leftover(
        ctx,
        f"disposable account {pair.canary.username}: its password could not be changed back "
        f"through {op.key}; the scan's random password was not kept: reset it by hand",
    )
    return False


def refresh_token_in(exchange: Exchange) -> str | None:
    """The refresh token a login answer handed out (a `refresh…` field), if any."""
    response = exchange.response
    answer = loads_or_none(response.body) if response is not None else None
    for key, value in _strings(answer):
        if "refresh" in normalized_key(key) and len(value) >= 16:
            return value
    return None


async def redeem(ctx: Context, refresh_token: str) -> Exchange | None:
    """Redeem a refresh token at `endpoints.refresh` (a JSON body, as the engine does); None
    when no refresh endpoint is configured. Whatever it mints is registered as a secret."""
    endpoint = ctx.facts.endpoints.get("refresh")
    if endpoint is None:
        return None
    method, path = endpoint
    body = json.dumps({"refresh_token": refresh_token}).encode()
    url = path if path.startswith(("http://", "https://")) else ctx.url(path)
    headers = (("Content-Type", "application/json"), ("Accept", "application/json"))
    exchange = await ctx.send(HttpRequest(method, url, headers, body))
    hide_tokens(ctx, exchange)
    return exchange


def minted(ctx: Context, exchange: Exchange | None) -> bool:
    response = exchange.response if exchange is not None else None
    return (
        response is not None
        and 200 <= response.status < 300
        and ctx.calibration.looks_like_rejection(response) is None
        and bool(_strings(loads_or_none(response.body)))
    )
