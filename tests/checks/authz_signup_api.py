"""A small accounts API for authz-bopla-mass-assignment's sign-up and self-update probes.

Accounts live in memory; `POST /auth/login {"email", "password"}` hands out opaque bearer tokens
(no claims to read: the proof must come from `/me` or the admin function). `GET /me` shows
`{id, email, name, role}` with `role: enum [member, editor, admin]`; `GET /admin/users` is
admin-only; `PATCH /me` updates the caller; `DELETE /me` closes the caller's account
(switchable). The configured identities are ana (member) and ops (admin).

Switches (`SignupOptions`), each `"bind"` (the body is bound onto the account, `role`
included: the flaw), `"ignore"` (unknown fields dropped), `"forbid"` (422 on unknown fields)
or `"crash"` (500 on unknown fields): `signup` for `POST /signup`, `self_update` for
`PATCH /me`. `confirm_email` keeps signed-up accounts from logging in (as if they awaited an
e-mail confirmation); `no_admin_at_signup` downgrades a bound `role: admin` but keeps any other
role. The app records what the scanner sent (`SignupState`), so a test can tell a probe that
ran from one that never did.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

Mode = Literal["bind", "ignore", "forbid", "crash"]
PASSWORDS = {"ana@accounts.example": "ana-pass-5c1e9b", "ops@accounts.example": "ops-pass-8d2f0a"}
PASSWORD_ENV = {"ACC_ANA_PASSWORD": PASSWORDS["ana@accounts.example"]}
PASSWORD_ENV["ACC_OPS_PASSWORD"] = PASSWORDS["ops@accounts.example"]
STATIC_TOKENS = ("tok-ana-3b8e51d0c7", "tok-ops-9f04a2c6e1")  # ana's and ops's, always valid
_WRITABLE = frozenset({"email", "password", "name"})


@dataclass
class SignupOptions:
    signup: Mode = "ignore"
    self_update: Mode = "ignore"
    confirm_email: bool = False
    delete_me: bool = True
    no_admin_at_signup: bool = False  # a bound `role: admin` is downgraded; `editor` stays


@dataclass
class SignupState:
    options: SignupOptions
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)
    signups: list[dict[str, Any]] = field(default_factory=list)  # every body POST /signup got
    updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (email, body)

    def __post_init__(self) -> None:
        self.tokens.update({token: index for index, token in enumerate(STATIC_TOKENS, start=1)})
        for index, (email, role) in enumerate(
            (("ana@accounts.example", "member"), ("ops@accounts.example", "admin")), start=1
        ):
            self.users[index] = {
                "id": index,
                "email": email,
                "password": PASSWORDS[email],
                "name": email.split("@")[0].title(),
                "role": role,
                "confirmed": True,
            }


def make_app(state: SignupState) -> web.Application:
    options = state.options

    def error(status: int, message: str) -> web.HTTPException:
        kind = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden}
        exc = kind.get(status, web.HTTPUnprocessableEntity)
        return exc(text=f'{{"error": "{message}"}}', content_type="application/json")

    def caller(request: web.Request) -> dict[str, Any]:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        user = state.users.get(state.tokens.get(token, 0))
        if user is None:
            raise error(401, "login required")
        return user

    def view(user: dict[str, Any]) -> dict[str, Any]:
        return {k: user[k] for k in ("id", "email", "name", "role")}

    def bind(mode: Mode, body: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
        unknown = sorted(set(body) - allowed)
        if mode == "forbid" and unknown:
            raise error(422, f"unknown field {unknown[0]}")
        if mode == "crash" and unknown:  # `Account(**body)`: TypeError, an unhandled 500
            raise web.HTTPInternalServerError(text="Internal Server Error")
        if mode == "bind":  # the flaw: the whole body lands on the record
            return {k: v for k, v in body.items() if k not in ("id", "confirmed")}
        return {k: v for k, v in body.items() if k in allowed}

    async def signup(request: web.Request) -> web.Response:
        body = await request.json()
        state.signups.append(dict(body))
        fields = bind(options.signup, body, _WRITABLE)
        if "@" not in str(fields.get("email", "")) or len(str(fields.get("password", ""))) < 10:
            raise error(400, "e-mail and a password of 10+ characters are required")
        if any(u["email"] == fields["email"] for u in state.users.values()):
            return web.json_response({"message": "check your inbox"}, status=201)
        if options.no_admin_at_signup and fields.get("role") == "admin":
            fields["role"] = "member"
        new_id = max(state.users) + 1
        state.users[new_id] = {"role": "member", "name": "", **fields, "id": new_id}
        state.users[new_id]["confirmed"] = not options.confirm_email
        return web.json_response({"message": "check your inbox"}, status=201)

    async def login(request: web.Request) -> web.Response:
        body = await request.json()
        for user in state.users.values():
            if user["email"] == body.get("email") and user["password"] == body.get("password"):
                if not user["confirmed"]:
                    raise error(403, "confirm your e-mail address first")
                token = secrets.token_urlsafe(24)
                state.tokens[token] = user["id"]
                return web.json_response({"access_token": token, "token_type": "Bearer"})
        raise error(401, "invalid e-mail or password")

    async def me(request: web.Request) -> web.Response:
        return web.json_response(view(caller(request)))

    async def update_me(request: web.Request) -> web.Response:
        user = caller(request)
        body = await request.json()
        state.updates.append((user["email"], dict(body)))
        user.update(bind(options.self_update, body, frozenset({"name"})))
        return web.json_response(view(user))

    async def delete_me(request: web.Request) -> web.Response:
        user = caller(request)
        del state.users[user["id"]]
        return web.Response(status=204)

    async def admin_users(request: web.Request) -> web.Response:
        if caller(request)["role"] != "admin":
            raise error(403, "admins only")
        return web.json_response({"users": [view(u) for u in state.users.values()]})

    async def notes(request: web.Request) -> web.Response:
        caller(request)
        return web.json_response({"notes": ["remember the milk"]})

    app = web.Application()
    app.router.add_post("/signup", signup)
    app.router.add_post("/auth/login", login)
    app.router.add_get("/me", me)
    app.router.add_patch("/me", update_me)
    if options.delete_me:
        app.router.add_delete("/me", delete_me)
    app.router.add_get("/admin/users", admin_users)
    app.router.add_get("/notes", notes)
    return app


def spec(options: SignupOptions) -> dict[str, Any]:
    def body(ref: str) -> dict[str, Any]:
        schema = {"$ref": f"#/components/schemas/{ref}"}
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    def answer(ref: str | None = None) -> dict[str, Any]:
        if ref is None:
            return {"description": "ok"}
        schema = {"$ref": f"#/components/schemas/{ref}"}
        return {"description": "ok", "content": {"application/json": {"schema": schema}}}

    me_path: dict[str, Any] = {
        "get": {"tags": ["account"], "responses": {"200": answer("Me")}},
        "patch": {
            "tags": ["account"],
            "requestBody": body("MeUpdate"),
            "responses": {"200": answer("Me")},
        },
    }
    if options.delete_me:
        me_path["delete"] = {"tags": ["account"], "responses": {"204": answer()}}
    string = {"type": "string"}
    return {
        "openapi": "3.0.3",
        "info": {"title": "accounts", "version": "1"},
        "paths": {
            "/signup": {
                "post": {
                    "tags": ["account"],
                    "security": [],
                    "requestBody": body("Signup"),
                    "responses": {"201": answer("Message")},
                }
            },
            "/auth/login": {
                "post": {
                    "tags": ["auth"],
                    "security": [],
                    "requestBody": body("Login"),
                    "responses": {"200": answer("Token")},
                }
            },
            "/me": me_path,
            "/admin/users": {"get": {"tags": ["admin"], "responses": {"200": answer()}}},
            "/notes": {"get": {"tags": ["notes"], "responses": {"200": answer()}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Signup": {
                    "type": "object",
                    "required": ["email", "password", "name"],
                    "properties": {
                        "email": {"type": "string", "format": "email"},
                        "password": {"type": "string", "minLength": 10},
                        "name": string,
                    },
                },
                "Login": {
                    "type": "object",
                    "properties": {"email": string, "password": string},
                },
                "Token": {"type": "object", "properties": {"access_token": string}},
                "Message": {"type": "object", "properties": {"message": string}},
                "MeUpdate": {"type": "object", "properties": {"name": string}},
                "Me": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "email": string,
                        "name": string,
                        "role": {"type": "string", "enum": ["member", "editor", "admin"]},
                    },
                },
            },
        },
        "security": [{"bearer": []}],
    }


def bearer_config(base_url: str, spec_path: str) -> dict[str, Any]:
    """ana and ops with fixed bearer tokens and no `endpoints`: the login is found in the spec."""
    return {
        **config(base_url, spec_path),
        "identities": [
            {"name": name, "role": role, "auth": {"type": "bearer", "token": token}}
            for name, role, token in zip(
                ("ana", "ops"), ("member", "admin"), STATIC_TOKENS, strict=True
            )
        ],
        "endpoints": {},
    }


def config(base_url: str, spec_path: str) -> dict[str, Any]:
    def login(email: str, env: str) -> dict[str, Any]:
        request = {"method": "POST", "path": "/auth/login"}
        request["json"] = {"email": email, "password": "${" + env + "}"}  # type: ignore[assignment]
        return {
            "type": "login",
            "request": request,
            "token": {"from": "body", "path": "$.access_token"},
        }

    return {
        "target": base_url,
        "spec": spec_path,
        "identities": [
            {
                "name": "ana",
                "role": "member",
                "auth": login("ana@accounts.example", "ACC_ANA_PASSWORD"),
            },
            {
                "name": "ops",
                "role": "admin",
                "auth": login("ops@accounts.example", "ACC_OPS_PASSWORD"),
            },
        ],
        "endpoints": {
            "login": {
                "method": "POST",
                "path": "/auth/login",
                "username": "$.email",
                "password": "$.password",
            }
        },
        "limits": {"rate": 200, "concurrency": 4, "timeout": 2, "max_time": 60},
    }
