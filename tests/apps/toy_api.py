"""A small API for engine tests: login with short-lived JWTs, owned objects, and switches for
the misbehaviours the engine must survive (429, 5xx, resets, slow answers, redirects).

Runs under aiohttp.web on 127.0.0.1 in a background thread (`serve_in_thread`), so tests can
drive the real CLI (which runs its own event loop) against it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web

SECRET = "toy-signing-secret-that-is-long-enough-0123456789"
USERS = {
    "alice": {"id": 101, "email": "alice@toy.example", "password": "alice-pw-9f3b", "role": "user"},
    "bob": {"id": 202, "email": "bob@toy.example", "password": "bob-pw-71ce", "role": "user"},
    "carol": {
        "id": 303,
        "email": "carol@toy.example",
        "password": "carol-pw-5d2a",
        "role": "admin",
    },
}
ORDERS = {1: "alice", 2: "alice", 3: "bob"}


@dataclass
class ToyOptions:
    token_lifetime: float = 300.0
    unauthenticated_orders: bool = False  # GET /orders/{id} forgets to authenticate
    fail_open: bool = False  # `Bearer null` is treated as alice
    spec_servers: list[str] = field(default_factory=list)
    redirect_to: str | None = None  # GET /go redirects here
    limit_first: int = 0  # the first N requests to /me get 429 Retry-After: 1


@dataclass
class ToyState:
    options: ToyOptions
    hits: Counter[str] = field(default_factory=Counter)
    stale_401s: int = 0  # 401s answered to a token that had been valid but expired
    logins: int = 0
    paths: list[str] = field(default_factory=list)


def _token(user: str, lifetime: float) -> str:
    now = time.time()
    claims = {"sub": user, "uid": USERS[user]["id"], "iat": int(now), "exp": now + lifetime}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def _authenticate(request: web.Request, state: ToyState) -> str | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = header[7:].strip()
    if state.options.fail_open and token in ("null", "undefined"):
        return "alice"
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    except jwt.ExpiredSignatureError:
        state.stale_401s += 1
        return None
    except jwt.InvalidTokenError:
        return None
    return str(claims["sub"])


def _denied() -> web.Response:
    return web.json_response(
        {"detail": "not authenticated"},
        status=401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def make_app(options: ToyOptions) -> tuple[web.Application, ToyState]:
    state = ToyState(options)
    app = web.Application()

    @web.middleware
    async def count(request: web.Request, handler: Any) -> web.StreamResponse:
        state.hits[request.path] += 1
        state.paths.append(f"{request.method} {request.path}")
        return await handler(request)

    app.middlewares.append(count)

    async def login(request: web.Request) -> web.Response:
        body = await request.json()
        user = USERS.get(body.get("username", ""))
        if user is None or user["password"] != body.get("password"):
            return web.json_response({"detail": "invalid credentials"}, status=401)
        state.logins += 1
        token = _token(body["username"], options.token_lifetime)
        return web.json_response(
            {"access_token": token, "token_type": "Bearer", "expires_in": options.token_lifetime}
        )

    async def me(request: web.Request) -> web.Response:
        if state.hits["/me"] <= options.limit_first:
            return web.json_response(
                {"detail": "slow down"}, status=429, headers={"Retry-After": "1"}
            )
        user = _authenticate(request, state)
        if user is None:
            return _denied()
        info = USERS[user]
        return web.json_response(
            {"id": info["id"], "username": user, "email": info["email"], "role": info["role"]}
        )

    async def order(request: web.Request) -> web.Response:
        order_id = int(request.match_info["order_id"])
        user = _authenticate(request, state)
        if user is None and not options.unauthenticated_orders:
            return _denied()
        owner = ORDERS.get(order_id)
        if owner is None or (user is not None and owner != user):
            return web.json_response({"detail": "not found"}, status=404)
        return web.json_response(
            {"id": order_id, "owner": USERS[owner]["email"], "item": f"widget-{order_id}"}
        )

    async def admin_users(request: web.Request) -> web.Response:
        user = _authenticate(request, state)
        if user is None:
            return _denied()
        if USERS[user]["role"] != "admin":
            return web.json_response({"detail": "forbidden"}, status=403)
        return web.json_response([{"username": u, "email": i["email"]} for u, i in USERS.items()])

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def boom(request: web.Request) -> web.Response:
        return web.json_response({"detail": "internal error"}, status=500)

    async def reset(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()  # drop the connection without an answer
        return web.Response()

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(3)
        return web.json_response({"late": True})

    async def go(request: web.Request) -> web.Response:
        raise web.HTTPFound(options.redirect_to or "/health")

    async def spec(request: web.Request) -> web.Response:
        return web.json_response(toy_spec(options.spec_servers))

    app.router.add_post("/auth/login", login)
    app.router.add_get("/me", me)
    app.router.add_get("/orders/{order_id}", order)
    app.router.add_get("/admin/users", admin_users)
    app.router.add_get("/health", health)
    app.router.add_get("/boom", boom)
    app.router.add_get("/reset", reset)
    app.router.add_get("/slow", slow)
    app.router.add_get("/go", go)
    app.router.add_get("/openapi.json", spec)
    return app, state


def toy_spec(
    servers: list[str] | None = None, *, extra_paths: dict[str, Any] | None = None
) -> dict[str, Any]:
    bearer = [{"bearer": []}]
    paths: dict[str, Any] = {
        "/me": {"get": {"security": bearer, "responses": {"200": {"description": "me"}}}},
        "/orders/{order_id}": {
            "get": {
                "security": bearer,
                "parameters": [
                    {
                        "name": "order_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {"200": {"description": "order"}},
            }
        },
        "/admin/users": {
            "get": {
                "tags": ["admin"],
                "security": bearer,
                "responses": {"200": {"description": "users"}},
            }
        },
        "/health": {"get": {"security": [], "responses": {"200": {"description": "ok"}}}},
    }
    paths.update(extra_paths or {})
    return {
        "openapi": "3.0.3",
        "info": {"title": "toy", "version": "1"},
        "servers": [{"url": s} for s in (servers or [])],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    }


@contextlib.contextmanager
def serve_in_thread(app: web.Application) -> Iterator[str]:
    """Serve on a free 127.0.0.1 port in a daemon thread; yields the base URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    started = threading.Event()
    holder: dict[str, Any] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        sockets = site._server.sockets  # type: ignore[union-attr]
        holder["port"] = sockets[0].getsockname()[1]
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10), "toy API did not start"
    try:
        yield f"http://127.0.0.1:{holder['port']}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def login_identity(name: str, password_env: str) -> dict[str, Any]:
    return {
        "name": name,
        "role": USERS[name]["role"],
        "auth": {
            "type": "login",
            "request": {
                "method": "POST",
                "path": "/auth/login",
                "json": {"username": name, "password": "${" + password_env + "}"},
            },
            "token": {"from": "body", "path": "$.access_token"},
        },
    }


def toy_config(base_url: str, spec_path: str, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "target": base_url,
        "spec": spec_path,
        "identities": [
            login_identity("alice", "TOY_ALICE_PASSWORD"),
            login_identity("bob", "TOY_BOB_PASSWORD"),
            login_identity("carol", "TOY_CAROL_PASSWORD"),
        ],
        "resources": {"alice": {"order_id": [1]}, "bob": {"order_id": [3]}},
        "limits": {"rate": 200, "concurrency": 4, "timeout": 2, "max_time": 60},
        "report": {"formats": ["json", "sarif", "junit", "html"]},
    }
    config.update(extra)
    return config


PASSWORD_ENV = {
    "TOY_ALICE_PASSWORD": USERS["alice"]["password"],
    "TOY_BOB_PASSWORD": USERS["bob"]["password"],
    "TOY_CAROL_PASSWORD": USERS["carol"]["password"],
}


def dump(data: Any) -> str:
    return json.dumps(data)
