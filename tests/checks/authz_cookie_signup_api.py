"""A notes-style accounts API for authz-bopla-mass-assignment: form login, cookie sessions,
`{"ok": …}` envelopes and a strict user-name pattern.

Shaped like the `notes` practice target (tests/targets/notes): `POST /session` takes a *form*
(`username`, `password`) and sets the `sid` cookie; `POST /signup` creates an account from a
JSON body (or a form, `signup_form=True`) whose `username` must match `^[a-z0-9_]{3,20}$` (the
canary's default `authsift-canary-<hex>` does not); every answer is an envelope `{"ok": true,
"user": {...}}` / `{"ok": false, "error": "..."}`. `GET /me` shows the caller's account with
`role: enum [user, moderator]` (read-only in the spec); `PATCH /me` and `PATCH
/u/{username}/profile` (the caller's own name only) take `bio`;
`GET /admin/reports` is for moderators. `bind=True` copies `role` from the sign-up body onto
the account (the flaw); `bind=False` ignores it. `signup_open=False` removes the sign-up;
`update_binds=True` makes both updates copy every field (`role` included). The configured
identities are ana (user) and mo (moderator). Every sign-up and update body is recorded
(`CookieState.signups`, `CookieState.updates`), so a test can tell a probe that ran from one
that never did.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

PASSWORDS = {"ana": "ana-notes-pass-71", "mo": "mo-notes-pass-93"}
PASSWORD_ENV = {"NOTES_ANA_PASSWORD": PASSWORDS["ana"], "NOTES_MO_PASSWORD": PASSWORDS["mo"]}
_USERNAME = re.compile(r"[a-z0-9_]{3,20}")


@dataclass
class CookieState:
    bind: bool = True
    signup_form: bool = False
    signup_open: bool = True  # False: no `POST /signup` at all
    update_binds: bool = False  # `PATCH /me` copies every body field (role included)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    signups: list[dict[str, Any]] = field(default_factory=list)  # every body POST /signup got
    updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # PATCH /me bodies

    def __post_init__(self) -> None:
        for name, role in (("ana", "user"), ("mo", "moderator")):
            self.users[name] = {"username": name, "password": PASSWORDS[name], "role": role}
            self.users[name]["email"] = f"{name}@notes.example"


def make_app(state: CookieState) -> web.Application:
    def fail(status: int, error: str) -> web.Response:
        return web.json_response({"ok": False, "error": error}, status=status)

    def account(user: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in user.items() if k != "password"}

    def logged_in(user: dict[str, Any], status: int = 200) -> web.Response:
        sid = secrets.token_urlsafe(24)
        state.sessions[sid] = user["username"]
        answer = web.json_response({"ok": True, "user": account(user)}, status=status)
        answer.headers["Set-Cookie"] = f"sid={sid}; Path=/; HttpOnly"
        return answer

    def caller(request: web.Request) -> dict[str, Any] | None:
        return state.users.get(state.sessions.get(request.cookies.get("sid", ""), ""))

    async def session(request: web.Request) -> web.Response:
        if not request.content_type.endswith("x-www-form-urlencoded"):
            return fail(415, "form_expected")
        form = await request.post()
        user = state.users.get(str(form.get("username", "")))
        if user is None or user["password"] != form.get("password"):
            return fail(401, "invalid_auth")
        return logged_in(user)

    async def signup(request: web.Request) -> web.Response:
        if state.signup_form:
            if not request.content_type.endswith("x-www-form-urlencoded"):
                return fail(415, "form_expected")
            data: dict[str, Any] = dict(await request.post())
        else:
            data = await request.json()
        state.signups.append(dict(data))
        username, password = str(data.get("username", "")), str(data.get("password", ""))
        if not _USERNAME.fullmatch(username) or len(password) < 10:
            return fail(400, "invalid_username_or_password")
        if username in state.users:
            return fail(409, "username_taken")
        role = str(data.get("role", "user")) if state.bind else "user"
        user = {"username": username, "password": password, "role": role}
        state.users[username] = user | {"email": str(data.get("email", ""))}
        return logged_in(state.users[username], 201)

    async def me(request: web.Request) -> web.Response:
        user = caller(request)
        return (
            fail(401, "not_authed")
            if user is None
            else web.json_response({"ok": True, "user": account(user)})
        )

    async def update_me(request: web.Request) -> web.Response:
        user = caller(request)
        if user is None:
            return fail(401, "not_authed")
        data = await request.json()
        state.updates.append((user["username"], dict(data)))
        writable = set(data) - {"username", "password"} if state.update_binds else {"bio"}
        user.update({k: v for k, v in data.items() if k in writable})
        return web.json_response({"ok": True, "user": account(user)})

    async def update_profile(request: web.Request) -> web.Response:
        user = caller(request)
        if user is None or user["username"] != request.match_info["username"]:
            return fail(403, "not_yours")
        return await update_me(request)

    async def reports(request: web.Request) -> web.Response:
        user = caller(request)
        if user is None:
            return fail(401, "not_authed")
        if user["role"] != "moderator":
            return fail(403, "moderators_only")
        return web.json_response({"ok": True, "reports": [{"note": "n_1", "reason": "spam"}]})

    async def notes(request: web.Request) -> web.Response:
        if caller(request) is None:
            return fail(401, "not_authed")
        return web.json_response({"ok": True, "notes": [{"id": "n_1", "title": "milk"}]})

    app = web.Application()
    app.router.add_post("/session", session)
    if state.signup_open:
        app.router.add_post("/signup", signup)
    app.router.add_get("/me", me)
    app.router.add_patch("/me", update_me)
    app.router.add_patch("/u/{username}/profile", update_profile)
    app.router.add_get("/admin/reports", reports)
    app.router.add_get("/notes", notes)
    return app


def spec(state: CookieState) -> dict[str, Any]:
    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": "ok", "content": {"application/json": {"schema": schema}}}

    def envelope(ref: str) -> dict[str, Any]:
        schema = {
            "type": "object",
            "properties": {"ok": {"type": "boolean"}, "user": {"$ref": f"#/components/{ref}"}},
        }
        return answer(schema)

    form = "application/x-www-form-urlencoded"
    signup_type = form if state.signup_form else "application/json"
    credentials = {
        "type": "object",
        "required": ["username", "password"],
        "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
    }
    bio = {"type": "object", "properties": {"bio": {"type": "string"}}}
    signup_schema = {
        "type": "object",
        "required": ["username", "password"],
        "properties": {
            "username": {"type": "string", "pattern": "^[a-z0-9_]{3,20}$"},
            "password": {"type": "string", "minLength": 10},
            "email": {"type": "string", "format": "email"},
        },
    }
    paths: dict[str, Any] = {
        "/session": {
            "post": {
                "tags": ["session"],
                "security": [],
                "requestBody": {"content": {form: {"schema": credentials}}},
                "responses": {"200": envelope("schemas/Account")},
            }
        },
        "/me": {
            "get": {"tags": ["account"], "responses": {"200": envelope("schemas/Account")}},
            "patch": {
                "tags": ["account"],
                "requestBody": {"content": {"application/json": {"schema": bio}}},
                "responses": {"200": envelope("schemas/Account")},
            },
        },
        "/u/{username}/profile": {
            "patch": {
                "tags": ["account"],
                "parameters": [
                    {"name": "username", "in": "path", "required": True, "example": "ana"}
                ],
                "requestBody": {"content": {"application/json": {"schema": bio}}},
                "responses": {"200": envelope("schemas/Account")},
            }
        },
        "/admin/reports": {"get": {"tags": ["admin"], "responses": {"200": answer({})}}},
        "/notes": {"get": {"tags": ["notes"], "responses": {"200": answer({})}}},
    }
    if state.signup_open:
        paths["/signup"] = {
            "post": {
                "tags": ["session"],
                "security": [],
                "requestBody": {"content": {signup_type: {"schema": signup_schema}}},
                "responses": {"201": envelope("schemas/Account")},
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "notes", "version": "1"},
        "paths": paths,
        "components": {
            "securitySchemes": {"cookie": {"type": "apiKey", "in": "cookie", "name": "sid"}},
            "schemas": {
                "Account": {
                    "type": "object",
                    "properties": {
                        "username": {"type": "string"},
                        "email": {"type": "string"},
                        "role": {"type": "string", "enum": ["user", "moderator"], "readOnly": True},
                    },
                }
            },
        },
        "security": [{"cookie": []}],
    }


def config(base_url: str, spec_path: str) -> dict[str, Any]:
    def login(name: str, env: str) -> dict[str, Any]:
        form = {"username": name, "password": "${" + env + "}"}
        return {
            "type": "login",
            "request": {"method": "POST", "path": "/session", "form": form},
            "token": {"from": "cookie", "name": "sid"},
            "apply": {"cookie": "sid"},
        }

    return {
        "target": base_url,
        "spec": spec_path,
        "identities": [
            {"name": "ana", "role": "user", "auth": login("ana", "NOTES_ANA_PASSWORD")},
            {"name": "mo", "role": "moderator", "auth": login("mo", "NOTES_MO_PASSWORD")},
        ],
        "privileged_roles": ["moderator"],
        "endpoints": {
            "login": {
                "method": "POST",
                "path": "/session",
                "username": "$.username",
                "password": "$.password",
            }
        },
        "checks": {"include": ["authz-bopla-mass-assignment"], "intrusive": True},
        "limits": {"rate": 200, "concurrency": 4, "timeout": 2, "max_time": 60},
    }
