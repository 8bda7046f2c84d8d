"""A small sign-in service for the rate-limiting checks, unlike the lab: a form-encoded
`POST /session/login` with `email` and `password`, plain-text answers, and one limiting
behaviour chosen per app (`mode`):

- "none": no limit at all;
- "429": `429` + `Retry-After: 30` after 4 failures per account;
- "locked": after 4 failures, `401 Your account has been temporarily locked`;
- "slow": each failure after the 3rd is answered 0.45 s later than the one before (tarpit);
- "silent": after 5 failures the account is locked, and says nothing: the correct password is
  answered like a wrong one.

`ops` holds a static bearer token (the scan identity, never guessed at); `throwaway@guard.example`
is the sacrificial account a test puts in `abuse.account`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any, Literal

from aiohttp import web

Mode = Literal["none", "429", "locked", "slow", "silent"]
THROWAWAY = ("throwaway@guard.example", "sacrificial-pass-71c")
OPS_TOKEN = "guard-ops-token-5d81e0a2c4"
FAILURE = "Sign-in failed: check your e-mail and password."


def make_app(mode: Mode) -> web.Application:
    failures: Counter[str] = Counter()

    async def login(request: web.Request) -> web.Response:
        form = await request.post()
        email, password = str(form.get("email", "")), str(form.get("password", ""))
        seen = failures[email]
        if mode == "429" and seen >= 4:
            return web.Response(status=429, text="Slow down.", headers={"Retry-After": "30"})
        if mode == "locked" and seen >= 4:
            return web.Response(status=401, text="Your account has been temporarily locked.")
        if mode == "slow" and seen >= 3:
            await asyncio.sleep(0.45 * (seen - 2))
        locked = mode == "silent" and seen >= 5
        if (email, password) == THROWAWAY and not locked:
            failures[email] = 0
            return web.json_response({"session": "guard-session-" + "x" * 16})
        failures[email] += 1
        return web.Response(status=401, text=FAILURE)

    async def me(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {OPS_TOKEN}":
            return web.Response(status=401, text="sign in first")
        return web.json_response({"email": "ops@guard.example", "id": 7})

    app = web.Application()
    app.router.add_post("/session/login", login)
    app.router.add_get("/me", me)
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
