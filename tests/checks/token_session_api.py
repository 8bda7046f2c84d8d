"""A small session API for the token-lifecycle checks: HS256 access tokens whose lifetime,
expiry enforcement and login answer are switches, and opaque refresh tokens.

`POST /session {"login", "secret"}` answers `{"access_token", "token_type", "expires_in"?,
"refresh_token", "refresh_expires_in"?}`; `POST /session/renew {"refresh_token"}` mints a new
access token; `GET /profile` shows the caller (`{"login", "email", "plan"}`). The configured
identities are mia and noa. Switches (`SessionOptions`): `access_lifetime` (None: tokens carry
no `exp`), `exp_leeway` (seconds past `exp` still accepted; None: `exp` is never checked),
`announce` (the login answer carries `expires_in` / `refresh_expires_in`), `refresh_lifetime`
(None: refresh tokens never expire), `jwt_refresh` (refresh tokens are JWTs). `LOGOUT_SPEC`
also lists `POST /session/logout` (a logout that ends nothing: a way to revoke, on paper).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web

HS_KEY = "a4b1c9d8e7f60512a4b1c9d8e7f60512-session-api"  # strong: never cracked
PASSWORDS = {"mia": "mia-pass-71c2e0", "noa": "noa-pass-0b9d4f", "ops": "ops-pass-5a7c31"}
PASSWORD_ENV = {f"SES_{name.upper()}_PASSWORD": secret for name, secret in PASSWORDS.items()}


@dataclass
class SessionOptions:
    access_lifetime: int | None = 300
    exp_leeway: int | None = 0
    announce: bool = True
    refresh_lifetime: int | None = 86400
    jwt_refresh: bool = False  # refresh tokens are JWTs (with `exp` when they expire)
    revoke_on_password_change: bool = True  # tokens carry the password version, checked
    check_suspended: bool = True  # /profile refuses tokens of suspended accounts
    opaque_access: bool = False  # access tokens are random strings kept server-side


@dataclass
class SessionState:
    options: SessionOptions
    refresh: dict[str, tuple[str, float | None]] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=lambda: dict(PASSWORDS))
    versions: dict[str, int] = field(default_factory=dict)  # login → password version
    signed_up: list[str] = field(default_factory=list)
    suspended: set[str] = field(default_factory=set)
    opaque: dict[str, dict[str, Any]] = field(default_factory=dict)  # token → claims


STATE = web.AppKey("state", SessionState)


def _access(state: SessionState, login: str) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {"sub": login, "iat": now, "jti": secrets.token_hex(8)}
    claims["pv"] = state.versions.get(login, 0)
    if state.options.access_lifetime is not None:
        claims["exp"] = now + state.options.access_lifetime
    if state.options.opaque_access:
        token = secrets.token_urlsafe(24)
        state.opaque[token] = claims
        return token
    return jwt.encode(claims, HS_KEY, algorithm="HS256")


def _answer(state: SessionState, login: str) -> web.Response:
    options = state.options
    lifetime = options.refresh_lifetime
    rt = secrets.token_urlsafe(24)
    if options.jwt_refresh:
        now = int(time.time())
        claims: dict[str, Any] = {"sub": login, "iat": now, "jti": rt, "use": "renew"}
        if lifetime is not None:
            claims["exp"] = now + lifetime
        rt = jwt.encode(claims, HS_KEY, algorithm="HS256")
    state.refresh[rt] = (login, None if lifetime is None else time.time() + lifetime)
    body: dict[str, Any] = {
        "access_token": _access(state, login),
        "token_type": "Bearer",
        "refresh_token": rt,
    }
    if options.announce:
        if options.access_lifetime is not None:
            body["expires_in"] = options.access_lifetime
        if lifetime is not None:
            body["refresh_expires_in"] = lifetime
    return web.json_response(body, headers={"Cache-Control": "no-store"})


def make_app(options: SessionOptions | None = None) -> web.Application:
    state = SessionState(options or SessionOptions())

    async def login(request: web.Request) -> web.Response:
        body = await request.json()
        name = str(body.get("login", ""))
        if state.passwords.get(name) != body.get("secret") or name in state.suspended:
            return web.json_response({"error": "bad credentials"}, status=401)
        return _answer(state, name)

    async def renew(request: web.Request) -> web.Response:
        body = await request.json()
        held = state.refresh.get(str(body.get("refresh_token", "")))
        if held is None or (held[1] is not None and time.time() > held[1]):
            return web.json_response({"error": "invalid_grant"}, status=400)
        return _answer(state, held[0])

    async def profile(request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        leeway = state.options.exp_leeway
        held = state.opaque.get(header.removeprefix("Bearer "))
        try:
            if held is not None:
                late = time.time() - held.get("exp", float("inf"))
                if leeway is not None and late > leeway:
                    raise jwt.ExpiredSignatureError("expired")
                claims = held
            else:
                claims = jwt.decode(
                    header.removeprefix("Bearer "),
                    HS_KEY,
                    algorithms=["HS256"],
                    leeway=leeway or 0,
                    options={"verify_exp": leeway is not None},
                )
        except jwt.PyJWTError:
            return web.json_response({"error": "invalid_token"}, status=401)
        login = str(claims.get("sub"))
        stale = claims.get("pv") != state.versions.get(login, 0)
        if login not in state.passwords or (state.options.revoke_on_password_change and stale):
            return web.json_response({"error": "invalid_token"}, status=401)
        if state.options.check_suspended and login in state.suspended:
            return web.json_response({"error": "invalid_token"}, status=401)
        return web.json_response(
            {"login": login, "email": f"{login}@sessions.example", "plan": "team"}
        )

    def caller(request: web.Request) -> str | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            return str(jwt.decode(token, HS_KEY, algorithms=["HS256"])["sub"])
        except jwt.PyJWTError:
            return None

    async def signup(request: web.Request) -> web.Response:
        body = await request.json()
        name, password = str(body.get("login", "")), str(body.get("password", ""))
        if not name or len(password) < 8 or name in state.passwords:
            return web.json_response({"error": "taken"}, status=422)
        state.passwords[name] = password
        state.signed_up.append(name)
        return web.json_response({"login": name}, status=201)

    async def change_password(request: web.Request) -> web.Response:
        name, body = caller(request), await request.json()
        if name is None or state.passwords.get(name) != body.get("old_password"):
            return web.json_response({"error": "denied"}, status=403)
        state.passwords[name] = str(body.get("new_password"))
        state.versions[name] = state.versions.get(name, 0) + 1
        if state.options.revoke_on_password_change:  # and every session's refresh token
            state.refresh = {k: v for k, v in state.refresh.items() if v[0] != name}
        return web.json_response({"changed": True})

    async def suspend(request: web.Request) -> web.Response:
        if caller(request) != "ops":
            return web.json_response({"error": "admins only"}, status=403)
        name = request.match_info["login"]
        if name not in state.passwords or name in PASSWORDS:
            return web.json_response({"error": "no such account"}, status=404)
        state.suspended.add(name)
        return web.json_response({"login": name, "suspended": True})

    async def close(request: web.Request) -> web.Response:
        name = caller(request)
        if name is None or name in PASSWORDS:
            return web.json_response({"error": "denied"}, status=403)
        state.passwords.pop(name, None)
        return web.Response(status=204)

    app = web.Application()
    app[STATE] = state
    app.router.add_post("/signup", signup)
    app.router.add_put("/profile/password", change_password)
    app.router.add_delete("/profile", close)
    app.router.add_post("/admin/accounts/{login}/suspend", suspend)
    app.router.add_post("/session", login)
    app.router.add_post("/session/renew", renew)
    app.router.add_get("/profile", profile)
    app.router.add_post("/session/logout", _ended)
    return app


async def _ended(_request: web.Request) -> web.Response:
    return web.Response(status=204)


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Sessions", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/session": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "login": {"type": "string"},
                                    "secret": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"200": {"description": "tokens"}},
            }
        },
        "/profile": {
            "get": {
                "security": [{"bearer": []}],
                "responses": {"200": {"description": "the caller"}},
            }
        },
    },
}


def config_for(url: str, spec: str) -> dict[str, Any]:
    def identity(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "role": "user",
            "auth": {
                "type": "login",
                "request": {
                    "method": "POST",
                    "path": "/session",
                    "json": {"login": name, "secret": f"${{SES_{name.upper()}_PASSWORD}}"},
                },
                "token": {"from": "body", "path": "$.access_token"},
                "refresh_token": {"from": "body", "path": "$.refresh_token"},
                "apply": {"header": "Authorization", "format": "Bearer {token}"},
            },
        }

    return {
        "target": url,
        "spec": spec,
        "identities": [identity("mia"), identity("noa")],
        "endpoints": {
            "login": {
                "method": "POST",
                "path": "/session",
                "username": "$.login",
                "password": "$.secret",
            },
            "refresh": {"method": "POST", "path": "/session/renew"},
        },
    }


LOGOUT_SPEC: dict[str, Any] = {
    **SPEC,
    "paths": {
        **SPEC["paths"],
        "/session/logout": {
            "post": {"security": [{"bearer": []}], "responses": {"204": {"description": "ended"}}}
        },
    },
}


def _body(**fields: str) -> dict[str, Any]:
    properties = {name: {"type": "string"} for name in fields}
    return {"content": {"application/json": {"schema": {"properties": properties}}}}


ACCOUNT_SPEC: dict[str, Any] = {
    **LOGOUT_SPEC,
    "paths": {
        **LOGOUT_SPEC["paths"],
        "/signup": {
            "post": {
                "requestBody": _body(login="", password="", email=""),
                "responses": {"201": {"description": "created"}},
            }
        },
        "/profile/password": {
            "put": {
                "security": [{"bearer": []}],
                "requestBody": _body(old_password="", new_password=""),
                "responses": {"200": {"description": "changed"}},
            }
        },
        "/profile": {
            **LOGOUT_SPEC["paths"]["/profile"],
            "delete": {
                "security": [{"bearer": []}],
                "responses": {"204": {"description": "closed"}},
            },
        },
    },
}

ADMIN_SPEC: dict[str, Any] = {
    **ACCOUNT_SPEC,
    "paths": {
        **ACCOUNT_SPEC["paths"],
        "/admin/accounts/{login}/suspend": {
            "post": {
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "login", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "suspended"}},
            }
        },
    },
}


def admin_config_for(url: str, spec: str) -> dict[str, Any]:
    """`config_for` with ops, an admin identity."""
    config = config_for(url, spec)
    ops = json.loads(
        json.dumps(config["identities"][0]).replace("mia", "ops").replace("MIA", "OPS")
    )
    ops["role"] = "admin"
    config["identities"].append(ops)
    return config
