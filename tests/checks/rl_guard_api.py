"""A small sign-in service for the rate-limiting checks, unlike the lab: a form-encoded
`POST /session/login` with `email` and `password`, plain-text answers, and one limiting
behaviour chosen per app (`mode`):

- "none": no limit at all;
- "429": `429` + `Retry-After: 30` after 4 failures per account;
- "429-client": the same after 4 failures from the client, whatever the account;
- "locked": after 4 failures, `401 Your account has been temporarily locked`;
- "slow": each failure after the 3rd is answered 0.45 s later than the one before (tarpit);
- "silent": after 5 failures the account is locked, and says nothing: the correct password is
  answered like a wrong one.

`ops` holds a static bearer token (the scan identity, never guessed at); `throwaway@guard.example`
is the sacrificial account a test puts in `abuse.account`. With `signup=True` anyone may sign up
(`POST /signup`, form `email`/`password`) and delete their own account (`DELETE /me` with the
session the login answered); `app[ACCOUNTS]` holds the accounts, for a test to look at.
"""

from __future__ import annotations

import asyncio
import copy
import secrets
from collections import Counter
from typing import Any, Literal

from aiohttp import web

Mode = Literal["none", "429", "429-client", "locked", "slow", "silent"]
THROWAWAY = ("throwaway@guard.example", "sacrificial-pass-71c")
OPS_TOKEN = "guard-ops-token-5d81e0a2c4"
FAILURE = "Sign-in failed: check your e-mail and password."


ACCOUNTS = web.AppKey("accounts", dict)


def make_app(mode: Mode, signup: bool = False) -> web.Application:
    failures: Counter[str] = Counter()
    accounts: dict[str, str] = {THROWAWAY[0]: THROWAWAY[1]}
    sessions: dict[str, str] = {}

    async def login(request: web.Request) -> web.Response:
        form = await request.post()
        email, password = str(form.get("email", "")), str(form.get("password", ""))
        counted = "the client" if mode == "429-client" else email
        seen = failures[counted]
        if mode in ("429", "429-client") and seen >= 4:
            return web.Response(status=429, text="Slow down.", headers={"Retry-After": "30"})
        if mode == "locked" and seen >= 4:
            return web.Response(status=401, text="Your account has been temporarily locked.")
        if mode == "slow" and seen >= 3:
            await asyncio.sleep(0.45 * (seen - 2))
        locked = mode == "silent" and seen >= 5
        if email in accounts and accounts[email] == password and not locked:
            failures[counted] = 0
            session = "guard-session-" + secrets.token_hex(12)
            sessions[session] = email
            return web.json_response({"session": session})
        failures[counted] += 1
        return web.Response(status=401, text=FAILURE)

    def caller(request: web.Request) -> str | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return "ops@guard.example" if token == OPS_TOKEN else sessions.get(token)

    async def me(request: web.Request) -> web.Response:
        email = caller(request)
        if email is None:
            return web.Response(status=401, text="sign in first")
        return web.json_response({"email": email, "id": 7 if email.startswith("ops") else 8})

    async def register(request: web.Request) -> web.Response:
        form = await request.post()
        email, password = str(form.get("email", "")), str(form.get("password", ""))
        if not email or len(password) < 8 or email in accounts:
            return web.Response(status=422, text="email and a password of 8+ characters")
        accounts[email] = password
        return web.json_response({"email": email}, status=201)

    async def leave(request: web.Request) -> web.Response:
        email = caller(request)
        if email is None or email not in accounts:
            return web.Response(status=401, text="sign in first")
        del accounts[email]
        return web.Response(status=204)

    app = web.Application()
    app[ACCOUNTS] = accounts
    app.router.add_post("/session/login", login)
    app.router.add_get("/me", me)
    if signup:
        app.router.add_post("/signup", register)
        app.router.add_delete("/me", leave)
    return app


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Guard", "version": "1"},
    "components": {"securitySchemes": {"b": {"type": "http", "scheme": "bearer"}}},
    "security": [{"b": []}],
    "paths": {
        "/session/login": {
            "post": {
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["email", "password"],
                                "properties": {
                                    "email": {"type": "string"},
                                    "password": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {"200": {"description": "ok"}, "401": {"description": "no"}},
            }
        },
        "/me": {"get": {"responses": {"200": {"description": "me"}}}},
    },
}


def spec_with_signup() -> dict[str, Any]:
    spec = copy.deepcopy(SPEC)
    login = spec["paths"]["/session/login"]["post"]
    spec["paths"]["/signup"] = {"post": copy.deepcopy(login)}
    spec["paths"]["/me"]["delete"] = {"responses": {"204": {"description": "account deleted"}}}
    return spec


def config_for(url: str, spec: str) -> dict[str, Any]:
    return {
        "target": url,
        "spec": spec,
        "identities": [{"name": "ops", "auth": {"type": "bearer", "token": OPS_TOKEN}}],
        "abuse": {
            "max_attempts": 25,
            "account": {"username": THROWAWAY[0], "password": THROWAWAY[1]},
        },
    }
