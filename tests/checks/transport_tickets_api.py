"""A small help-desk API (aiohttp) for the transport reviews' consistency rules.

`POST /login {"user", "pass"}` hands out an opaque bearer token; `GET /me` and `GET /tickets`
need it. Switches (`TicketsOptions`): `challenge` — which 401s carry `WWW-Authenticate`
("never", "some": only the no-credential ones, "always"); `oauth_shape` — the login is an OAuth
password grant (`grant_type` in the request, `{"access_token", "token_type"}` in the answer, RFC
6749 §4.3, §5.1) instead of `{"token"}`; `no_store` — which
credential answers carry `Cache-Control: no-store` ("never", "some": the token-renewal route
only).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

USERS = {"kim": "kim-desk-pass-41", "lee": "lee-desk-pass-72"}
PASSWORD_ENV = {"DESK_KIM": USERS["kim"], "DESK_LEE": USERS["lee"]}


@dataclass
class TicketsOptions:
    challenge: Literal["never", "some", "always"] = "always"
    oauth_shape: bool = False
    no_store: Literal["never", "some"] = "never"
    tokens: dict[str, str] = field(default_factory=dict)


def tickets_app(options: TicketsOptions) -> web.Application:
    def unauthorized(request: web.Request) -> web.Response:
        bare = "Authorization" not in request.headers
        headers = {}
        if options.challenge == "always" or (options.challenge == "some" and bare):
            headers["WWW-Authenticate"] = 'Bearer realm="desk"' + (
                "" if bare else ', error="invalid_token"'
            )
        return web.json_response({"err": "unauthorized"}, status=401, headers=headers)

    def caller(request: web.Request) -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return options.tokens.get(token) if scheme == "Bearer" else None

    def issue(user: str, renewal: bool) -> web.Response:
        token = secrets.token_hex(20)
        options.tokens[token] = user
        body: dict[str, Any] = (
            {"access_token": token, "token_type": "Bearer"}
            if options.oauth_shape
            else {"token": token}
        )
        marked = options.no_store == "some" and renewal
        return web.json_response(body, headers={"Cache-Control": "no-store"} if marked else {})

    async def login(request: web.Request) -> web.Response:
        data = await request.json()
        if USERS.get(data.get("user")) != data.get("pass"):
            return web.json_response({"err": "bad login"}, status=400)
        return issue(data["user"], renewal=False)

    async def renew(request: web.Request) -> web.Response:
        who = caller(request)
        return issue(who, renewal=True) if who else unauthorized(request)

    async def me(request: web.Request) -> web.Response:
        who = caller(request)
        return (
            web.json_response({"user": who, "desk": f"{who}-desk"})
            if who
            else unauthorized(request)
        )

    async def tickets(request: web.Request) -> web.Response:
        who = caller(request)
        if not who:
            return unauthorized(request)
        return web.json_response([{"id": 1, "owner": who, "subject": f"{who}'s printer"}])

    app = web.Application()
    app.router.add_post("/login", login)
    app.router.add_get("/token/renew", renew)
    app.router.add_get("/me", me)
    app.router.add_get("/tickets", tickets)
    return app


def _op(summary: str) -> dict[str, Any]:
    return {"summary": summary, "responses": {"200": {"description": "ok"}}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Desk", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/login": {"post": {**_op("log in"), "security": []}},
        "/token/renew": {"get": _op("a fresh token")},
        "/me": {"get": _op("the caller")},
        "/tickets": {"get": _op("the caller's tickets")},
    },
}


def config_for(oauth_shape: bool) -> Any:
    """The config builder `scan_app_in_process` wants, for the login answer's shape."""
    token_path = "$.access_token" if oauth_shape else "$.token"

    def build(url: str, spec_path: str) -> dict[str, Any]:
        return {"target": url, "spec": spec_path, "identities": [identity("kim"), identity("lee")]}

    def identity(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "role": "user",
            "auth": {
                "type": "login",
                "request": {
                    "method": "POST",
                    "path": "/login",
                    "json": {
                        "user": name,
                        "pass": "${DESK_" + name.upper() + "}",
                        **({"grant_type": "password"} if oauth_shape else {}),
                    },
                },
                "token": {"from": "body", "path": token_path},
                "apply": {"header": "Authorization", "format": "Bearer {token}"},
            },
        }

    return build
