"""A small gym-membership API for the rate-limiting checks (aiohttp, e-mail logins, `{"detail"}`
errors), with each flaw a switch so that one server serves the flawed and the hardened twin.

Members: mara@gym.example and theo@gym.example (the scan's identities), spare@gym.example (the
throwaway `abuse.account`), and zed@gym.example (nobody configured him).

Flaws (`Gym.flaws`):
- `login-enum`: `POST /v1/auth/sign-in` answers 404 "no such member" for unknown e-mails;
- `reset-enum`: `POST /v1/auth/forgot-password` answers 404 for unknown e-mails;
- `signup-enum`: `POST /v1/members` answers 409 "e-mail already registered";
- `lookup-enum`: `GET /v1/members/exists?email=` answers `{"exists": true|false}`;
- `delay_ms`: a failed sign-in of an existing member takes this long (a password hash);
- `introspect-open`: `POST /v1/tokens/inspect` needs no client credentials;
- `page-unclamped`: `GET /v1/classes?per_page=` is not capped at 50;
- `ratelimit-malformed`: sign-in answers carry broken RateLimit fields and 429s lack
  Retry-After; its hardened twin is `limiter`: well-formed fields, 429 + Retry-After after 8
  failures a minute (without either, sign-in is not limited at all).
Decoys, the same in both twins: `POST /v1/auth/recover-username` always answers 202 the same
way; sign-in failures carry the same `X-Gym-Trace` header name with a random value.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

PASSWORDS = {
    "mara@gym.example": "Mara-lifts-2024",
    "theo@gym.example": "Theo-rows-2024",
    "spare@gym.example": "Spare-throwaway-2024",
    "zed@gym.example": "Zed-swims-2024",
}
CLIENT = ("reception-app", "Reception-secret-2024")
CLASSES = 3000
PAGE_CAP = 50
LIMIT = 8  # failed sign-ins per minute per client (hardened RateLimit policy)


@dataclass
class Gym:
    flaws: frozenset[str] = frozenset()
    delay_ms: float = 0.0
    tokens: dict[str, str] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=lambda: dict(PASSWORDS))
    failures: list[float] = field(default_factory=list)
    failed_sign_ins: list[str] = field(default_factory=list)  # the e-mails, in order
    profile_shows_email: bool = True  # False: /v1/me names no account (a member number only)

    def on(self, flaw: str) -> bool:
        return flaw in self.flaws


def make_app(gym: Gym) -> web.Application:
    routes = web.RouteTableDef()

    def detail(status: int, text: str, **headers: str) -> web.Response:
        return web.json_response({"detail": text}, status=status, headers=headers)

    @routes.post("/v1/auth/sign-in")
    async def sign_in(request: web.Request) -> web.Response:
        body = await request.json()
        email, password = str(body.get("email", "")), str(body.get("password", ""))
        now = time.monotonic()
        gym.failures = [t for t in gym.failures if t > now - 60]
        limited = gym.on("ratelimit-malformed") or gym.on("limiter")
        headers = {"X-Gym-Trace": secrets.token_hex(6)}
        if limited:
            remaining = max(0, LIMIT - len(gym.failures))
            if gym.on("ratelimit-malformed"):
                headers["RateLimit"] = f"limit={LIMIT}, remaining={remaining}"
                headers["RateLimit-Policy"] = f"{LIMIT};window=60"
            else:
                headers["RateLimit"] = f'"signin";r={remaining};t=60'
                headers["RateLimit-Policy"] = f'"signin";q={LIMIT};w=60'
            if remaining == 0:
                if not gym.on("ratelimit-malformed"):
                    headers["Retry-After"] = "60"
                return detail(429, "Too many attempts", **headers)
        if email in gym.members and gym.delay_ms:
            await asyncio.sleep(gym.delay_ms / 1000)
        if gym.members.get(email) == password:
            token = secrets.token_urlsafe(24)
            gym.tokens[token] = email
            return web.json_response({"token": token}, headers=headers)
        gym.failures.append(now)
        gym.failed_sign_ins.append(email)
        if email not in gym.members and gym.on("login-enum"):
            return detail(404, "No such member", **headers)
        return detail(401, "Wrong e-mail or password", **headers)

    def caller(request: web.Request) -> str | None:
        auth = request.headers.get("Authorization", "")
        return gym.tokens.get(auth.removeprefix("Bearer ").strip())

    @routes.get("/v1/me")
    async def me(request: web.Request) -> web.Response:
        email = caller(request)
        if email is None:
            return detail(401, "Sign in first")
        if not gym.profile_shows_email:
            number = sorted(gym.members).index(email) + 1000
            return web.json_response({"member_no": number, "plan": "monthly"})
        return web.json_response({"email": email, "plan": "monthly"})

    @routes.post("/v1/auth/forgot-password")
    async def forgot(request: web.Request) -> web.Response:
        email = str((await request.json()).get("email", ""))
        if email not in gym.members and gym.on("reset-enum"):
            return detail(404, "No such member")
        return detail(202, "If you are a member, a link is on its way")

    @routes.post("/v1/auth/recover-username")
    async def recover(request: web.Request) -> web.Response:
        await request.json()
        return detail(202, "If you are a member, your username is on its way")

    @routes.post("/v1/members")
    async def join(request: web.Request) -> web.Response:
        body = await request.json()
        email, password = str(body.get("email", "")), str(body.get("password", ""))
        if email in gym.members:
            if gym.on("signup-enum"):
                return detail(409, "E-mail already registered")
            return detail(202, "Check your e-mail to finish joining")
        gym.members[email] = password
        return detail(202, "Check your e-mail to finish joining")

    @routes.get("/v1/members/exists")
    async def exists(request: web.Request) -> web.Response:
        email = request.query.get("email", "")
        if gym.on("lookup-enum"):
            return web.json_response({"exists": email in gym.members})
        return detail(403, "Directory lookups are for reception staff")

    @routes.post("/v1/tokens/inspect")
    async def inspect(request: web.Request) -> web.Response:
        form = await request.post()
        client = (str(form.get("client_id", "")), str(form.get("client_secret", "")))
        if client != CLIENT and not gym.on("introspect-open"):
            return detail(401, "Client authentication required")
        email = gym.tokens.get(str(form.get("token", "")))
        if email is None:
            return web.json_response({"active": False})
        return web.json_response({"active": True, "sub": email, "scope": "member"})

    @routes.get("/v1/classes")
    async def classes(request: web.Request) -> web.Response:
        if caller(request) is None:
            return detail(401, "Sign in first")
        try:
            per_page = int(request.query.get("per_page", "20"))
        except ValueError:
            return detail(400, "per_page must be a number")
        if not gym.on("page-unclamped"):
            per_page = min(per_page, PAGE_CAP)
        items = [{"id": n, "name": f"Class {n}", "room": n % 7} for n in range(per_page)]
        return web.json_response({"results": items[:CLASSES], "count": CLASSES})

    app = web.Application()
    app.add_routes(routes)
    return app


def _json(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": props, "required": required}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def spec() -> dict[str, Any]:
    ok = {"responses": {"200": {"description": "ok"}}}
    email = {"type": "string", "format": "email"}
    password = {"type": "string", "minLength": 8}
    public: dict[str, Any] = {**ok, "security": []}
    per_page = {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_CAP},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Gym", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/v1/auth/sign-in": {
                "post": {
                    **public,
                    "requestBody": _json(
                        {"email": email, "password": password}, ["email", "password"]
                    ),
                }
            },
            "/v1/me": {"get": ok},
            "/v1/auth/forgot-password": {
                "post": {**public, "requestBody": _json({"email": email}, ["email"])}
            },
            "/v1/auth/recover-username": {
                "post": {**public, "requestBody": _json({"email": email}, ["email"])}
            },
            "/v1/members": {
                "post": {
                    **public,
                    "tags": ["registration"],
                    "requestBody": _json(
                        {"email": email, "password": password}, ["email", "password"]
                    ),
                }
            },
            "/v1/members/exists": {
                "get": {
                    **public,
                    "parameters": [{"name": "email", "in": "query", "schema": email}],
                }
            },
            "/v1/tokens/inspect": {
                "post": {
                    **public,
                    "requestBody": {
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"token": {"type": "string"}},
                                }
                            }
                        }
                    },
                }
            },
            "/v1/classes": {"get": {**ok, "parameters": [per_page]}},
        },
    }


def config(url: str, spec_file: str) -> dict[str, Any]:
    def member(name: str, email: str) -> dict[str, Any]:
        return {
            "name": name,
            "role": "user",
            "auth": {
                "type": "login",
                "request": {
                    "method": "POST",
                    "path": "/v1/auth/sign-in",
                    "json": {"email": email, "password": PASSWORDS[email]},
                },
                "token": {"from": "body", "path": "$.token"},
                "apply": {"header": "Authorization", "format": "Bearer {token}"},
            },
        }

    return {
        "target": url,
        "spec": spec_file,
        "identities": [member("mara", "mara@gym.example"), member("theo", "theo@gym.example")],
        "endpoints": {
            "login": {
                "method": "POST",
                "path": "/v1/auth/sign-in",
                "username": "$.email",
                "password": "$.password",
            }
        },
    }


THROWAWAY = {"username": "spare@gym.example", "password": PASSWORDS["spare@gym.example"]}
