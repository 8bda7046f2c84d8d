"""Ferrylink: ferry tickets and loyalty accounts (a bare ASGI callable under uvicorn).

    python app.py PORT [--hardened]

Binds 127.0.0.1 only; in-memory data, re-seeded on every start. See ground_truth.json for the
flaws (user enumeration on login, sign-up, password reset and a public lookup; no login
throttling) and the decoys; `--hardened` answers uniformly everywhere and throttles logins.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import secrets
import sys
import threading
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

HARDENED = "--hardened" in sys.argv[2:]
ITERATIONS = 60_000  # PBKDF2-SHA256: ~30 ms a check
SALT = b"ferrylink-demo-salt"
LOCK = threading.Lock()


def digest(password: str) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), SALT, ITERATIONS)


ACCOUNTS: dict[str, dict[str, Any]] = {
    login: {"login": login, "email": email, "hash": digest(password), "points": points}
    for login, email, password, points in (
        ("ines", "ines@ferrylink.example", "Ines-sails-2024", 120),
        ("tomas", "tomas@ferrylink.example", "Tomas-rows-2024", 40),
        ("deckhand", "deckhand@ferrylink.example", "Deckhand-spare-2024", 0),
        ("olga", "olga@ferrylink.example", "Olga-cruises-2024", 990),
    )
}
PORTS = {"HEL": "Helsinki", "TLL": "Tallinn", "STO": "Stockholm"}
SESSIONS: dict[str, str] = {}
FAILURES: dict[str, list[float]] = {}  # "account:<login>" / "client:<ip>" → failure times
DUMMY = digest("not-a-real-password")


def recent(key: str) -> list[float]:
    now = time.monotonic()
    FAILURES[key] = [t for t in FAILURES.get(key, []) if t > now - 60]
    return FAILURES[key]


Reply = tuple[int, Any, dict[str, str]]
ROUTES: list[tuple[str, re.Pattern[str], Callable[..., Awaitable[Reply]]]] = []


def route(method: str, pattern: str) -> Callable[[Callable[..., Awaitable[Reply]]], Any]:
    def register(handler: Callable[..., Awaitable[Reply]]) -> Any:
        ROUTES.append((method, re.compile(f"^{pattern}$"), handler))
        return handler

    return register


def error(status: int, code: str, title: str, **headers: str) -> Reply:
    return status, {"errors": [{"status": str(status), "code": code, "title": title}]}, headers


@dataclass
class Call:
    """One request as the handlers see it."""

    headers: dict[str, str]
    raw: bytes
    client: str

    def body(self) -> dict[str, Any]:
        text = self.raw.decode("utf-8", "replace")
        if "form-urlencoded" in self.headers.get("content-type", ""):
            return dict(urllib.parse.parse_qsl(text))
        try:
            value = json.loads(text or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def caller(self) -> dict[str, Any] | None:
        token = self.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return ACCOUNTS.get(SESSIONS.get(token, ""))


@route("POST", "/api/login")
async def login(call: Call) -> Reply:
    form = call.body()
    name, password = str(form.get("login", "")).strip().lower(), str(form.get("password", ""))
    keys = (f"account:{name}", f"client:{call.client}")
    headers: dict[str, str] = {}
    if HARDENED:
        with LOCK:
            left = min(10 - len(recent(keys[0])), 30 - len(recent(keys[1])))
        headers["RateLimit-Policy"] = '"login";q=30;w=60'
        headers["RateLimit"] = f'"login";r={max(left, 0)};t=60'
        if left <= 0:
            return error(429, "slow_down", "Too many attempts", **headers, **{"Retry-After": "60"})
    account = ACCOUNTS.get(name)
    if account is None:
        if HARDENED:
            secrets.compare_digest(await asyncio.to_thread(digest, password), DUMMY)
    elif secrets.compare_digest(await asyncio.to_thread(digest, password), account["hash"]):
        token = "fl_" + secrets.token_urlsafe(24)
        SESSIONS[token] = name
        return 200, {"data": {"token": token, "expires_in": 3600}}, headers
    with LOCK:
        for key in keys:
            recent(key).append(time.monotonic())
    if account is None and not HARDENED:
        return error(401, "unknown_login", "No account with this login", **headers)
    if HARDENED:
        return error(401, "bad_credentials", "Login or password is wrong", **headers)
    return error(401, "bad_password", "Wrong password", **headers)


@route("GET", "/api/me")
async def me(call: Call) -> Reply:
    account = call.caller()
    if account is None:
        return error(401, "no_session", "Log in first")
    return 200, {"data": {k: account[k] for k in ("login", "email", "points")}}, {}


@route("POST", "/api/accounts")
async def sign_up(call: Call) -> Reply:
    form = call.body()
    name, email = str(form.get("login", "")).strip().lower(), str(form.get("email", ""))
    password = str(form.get("password", ""))
    if not name or "@" not in email or len(password) < 8:
        return error(422, "invalid", "login, email and a password of 8+ characters")
    taken = name in ACCOUNTS or any(a["email"] == email for a in ACCOUNTS.values())
    if taken and not HARDENED:
        return error(409, "login_taken", "This login is already taken")
    if not taken:
        ACCOUNTS[name] = {"login": name, "email": email, "hash": digest(password), "points": 0}
        if not HARDENED:
            return 201, {"data": {"login": name, "email": email, "points": 0}}, {}
    return 202, {"meta": {"message": "Check your e-mail to finish signing up"}}, {}


@route("POST", "/api/password-resets")
async def reset(call: Call) -> Reply:
    email = str(call.body().get("email", "")).strip().lower()
    headers = {}
    if HARDENED or any(a["email"] == email for a in ACCOUNTS.values()):
        headers["Set-Cookie"] = f"reset_flow={secrets.token_hex(8)}; Path=/; HttpOnly"
    return 202, {"meta": {"message": "If the address is ours, a reset link is on its way"}}, headers


@route("POST", "/api/account-recovery")
async def recovery(call: Call) -> Reply:
    return 202, {"meta": {"message": "If the address is ours, your login is on its way"}}, {}


@route("GET", r"/api/logins/(?P<name>[^/]+)/availability")
async def availability(call: Call, name: str) -> Reply:
    if HARDENED and call.caller() is None:
        return error(401, "no_session", "Log in first")
    name = urllib.parse.unquote(name)
    return 200, {"data": {"login": name, "available": name.lower() not in ACCOUNTS}}, {}


@route("GET", r"/api/ports/(?P<code>[^/]+)")
async def port(call: Call, code: str) -> Reply:
    if code.upper() not in PORTS:
        return error(404, "unknown_port", "No such port")
    return 200, {"data": {"code": code.upper(), "name": PORTS[code.upper()]}}, {}


@route("GET", "/openapi.json")
async def spec(call: Call) -> Reply:
    return 200, openapi(), {}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The whole service: a bare ASGI 3 callable, no framework."""
    if scope["type"] != "http":
        return
    raw = b""
    while True:
        message = await receive()
        raw += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
    call = Call(headers, raw, (scope.get("client") or ("?", 0))[0])
    for method, pattern, handler in ROUTES:
        matched = pattern.match(scope["path"])
        if matched and method == scope["method"]:
            status, body, extra = await handler(call, **matched.groupdict())
            break
    else:
        status, body, extra = error(404, "not_found", "Not found")
    payload = json.dumps(body).encode()
    out = [(b"content-type", b"application/vnd.api+json")]
    out += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
    await send({"type": "http.response.start", "status": status, "headers": out})
    await send({"type": "http.response.body", "body": payload})


def openapi() -> dict[str, Any]:
    def body(kind: str, **props: str) -> dict[str, Any]:
        schema = {
            "type": "object",
            "required": list(props),
            "properties": {
                k: {"type": "string", **({"format": v} if v else {})} for k, v in props.items()
            },
        }
        return {"required": True, "content": {kind: {"schema": schema}}}

    json_kind, form_kind = "application/json", "application/x-www-form-urlencoded"
    ok = {"200": {"description": "OK"}}
    public = {"security": [], "responses": ok}
    path_param = [{"name": "login", "in": "path", "required": True, "schema": {"type": "string"}}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "Ferrylink", "version": "2.3"},
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
        "security": [{"token": []}],
        "paths": {
            "/api/login": {
                "post": {
                    **public,
                    "tags": ["auth"],
                    "requestBody": body(form_kind, login="", password="password"),
                }
            },
            "/api/me": {"get": {"responses": ok}},
            "/api/accounts": {
                "post": {
                    **public,
                    "tags": ["registration"],
                    "requestBody": body(json_kind, login="", email="email", password="password"),
                }
            },
            "/api/password-resets": {
                "post": {**public, "requestBody": body(json_kind, email="email")}
            },
            "/api/account-recovery": {
                "post": {**public, "requestBody": body(json_kind, email="email")}
            },
            "/api/logins/{login}/availability": {"get": {**public, "parameters": path_param}},
            "/api/ports/{code}": {
                "get": {
                    **public,
                    "parameters": [
                        {
                            "name": "code",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                }
            },
        },
    }


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
