"""A small crew-rostering API (aiohttp) for authz-bfla-privileged-write on objects the operator
declares disposable (`policy.disposable`): it has no sign-up, so its user-management functions
can only act on existing crew members.

- `POST /v1/session` `{"handle", "secret"}` → `{"session": …}`, sent as `Authorization: Session …`;
  `GET /v1/whoami` names the caller.
- `GET /v1/crews/{crew_id}` answers members of the crew (and the operator, `root`) with the
  crew and its `people` (member id, handle, `role`, `on_hold`). There is no `GET` of one member.
- `POST /v1/crews/{crew_id}/people/{member_id}/suspend` and `/unsuspend`, and `PUT
  /v1/crews/{crew_id}/people/{member_id}` `{"role"}`: the crew's chief and `root` only; the
  vulnerable build lets any member of the crew do them. Other crews answer 404.

ann and zed are hands of crew 1 (whose chief is cho), ben is a hand of crew 2; root operates the
service. zed and cho never log in during the scan.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

SECRETS = {"ann": "ann-rosters-77", "ben": "ben-rosters-88", "root": "root-operates-99"}
ENV = {f"CREW_{name.upper()}_SECRET": value for name, value in SECRETS.items()}
IDS = {"ann": 11, "ben": 12, "cho": 13, "zed": 19, "root": 1}


@dataclass
class Roster:
    vulnerable: bool
    people: dict[int, dict[str, Any]] = field(default_factory=dict)  # member id → crew membership
    sessions: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, str, int]] = field(default_factory=list)  # (caller, action, member)

    def __post_init__(self) -> None:
        for handle, crew, role in (
            ("ann", 1, "hand"),
            ("zed", 1, "hand"),
            ("cho", 1, "chief"),
            ("ben", 2, "hand"),
        ):
            self.people[IDS[handle]] = {"crew": crew, "handle": handle, "role": role, "hold": False}

    def view(self, crew: int) -> dict[str, Any]:
        people = [
            {"member_id": i, "handle": p["handle"], "role": p["role"], "on_hold": p["hold"]}
            for i, p in sorted(self.people.items())
            if p["crew"] == crew
        ]
        return {"id": crew, "name": f"Crew {crew}", "people": people}


def make_app(roster: Roster) -> web.Application:
    def who(request: web.Request) -> str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        handle = roster.sessions.get(token) if scheme == "Session" else None
        if handle is None:
            raise web.HTTPUnauthorized(text='{"problem": "no session"}')
        return handle

    def crew_of(request: web.Request, handle: str) -> int:
        crew = int(request.match_info["crew_id"])
        mine = roster.people.get(IDS[handle], {}).get("crew")
        if handle != "root" and mine != crew:
            raise web.HTTPNotFound(text='{"problem": "no such crew"}')
        return crew

    def member(request: web.Request, handle: str, action: str) -> dict[str, Any]:
        crew = crew_of(request, handle)
        target = int(request.match_info["member_id"])
        found = roster.people.get(target)
        if found is None or found["crew"] != crew:
            raise web.HTTPNotFound(text='{"problem": "no such member"}')
        chief = handle == "root" or roster.people[IDS[handle]]["role"] == "chief"
        if not chief and not roster.vulnerable:
            raise web.HTTPForbidden(text='{"problem": "chiefs only"}')
        roster.calls.append((handle, action, target))
        return found

    async def session(request: web.Request) -> web.Response:
        body = await request.json()
        handle = str(body.get("handle", ""))
        if SECRETS.get(handle) != body.get("secret"):
            return web.json_response({"problem": "bad secret"}, status=401)
        token = secrets.token_hex(12)
        roster.sessions[token] = handle
        return web.json_response({"session": token})

    async def whoami(request: web.Request) -> web.Response:
        handle = who(request)
        return web.json_response({"member_id": IDS[handle], "handle": handle})

    async def crew(request: web.Request) -> web.Response:
        return web.json_response(roster.view(crew_of(request, who(request))))

    async def hold(request: web.Request) -> web.Response:
        found = member(request, who(request), "suspend")
        found["hold"] = True
        return web.json_response({"ok": True})

    async def release(request: web.Request) -> web.Response:
        found = member(request, who(request), "unsuspend")
        found["hold"] = False
        return web.json_response({"ok": True})

    async def rank(request: web.Request) -> web.Response:
        found = member(request, who(request), "role")
        wanted = (await request.json()).get("role")
        if wanted not in ("hand", "chief"):
            return web.json_response({"problem": "role is hand or chief"}, status=422)
        found["role"] = wanted
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/v1/session", session)
    app.router.add_get("/v1/whoami", whoami)
    app.router.add_get("/v1/crews/{crew_id}", crew)
    app.router.add_post("/v1/crews/{crew_id}/people/{member_id}/suspend", hold)
    app.router.add_post("/v1/crews/{crew_id}/people/{member_id}/unsuspend", release)
    app.router.add_put("/v1/crews/{crew_id}/people/{member_id}", rank)
    return app


def spec() -> dict[str, Any]:
    ok = {"responses": {"200": {"description": "ok"}}}

    def params(*names: str) -> list[dict[str, Any]]:
        return [
            {"name": n, "in": "path", "required": True, "schema": {"type": "integer"}}
            for n in names
        ]

    def body(properties: dict[str, Any]) -> dict[str, Any]:
        schema = {"type": "object", "properties": properties, "required": sorted(properties)}
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    member = params("crew_id", "member_id")
    return {
        "openapi": "3.0.3",
        "info": {"title": "crews", "version": "1"},
        "security": [{"session": []}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "header", "name": "Authorization"}
            }
        },
        "paths": {
            "/v1/session": {
                "post": {
                    **ok,
                    "security": [],
                    "requestBody": body(
                        {"handle": {"type": "string"}, "secret": {"type": "string"}}
                    ),
                }
            },
            "/v1/whoami": {"get": ok},
            "/v1/crews/{crew_id}": {"get": {**ok, "parameters": params("crew_id")}},
            "/v1/crews/{crew_id}/people/{member_id}": {
                "put": {
                    **ok,
                    "parameters": member,
                    "requestBody": body({"role": {"type": "string", "enum": ["hand", "chief"]}}),
                }
            },
            "/v1/crews/{crew_id}/people/{member_id}/suspend": {
                "post": {**ok, "parameters": member}
            },
            "/v1/crews/{crew_id}/people/{member_id}/unsuspend": {
                "post": {**ok, "parameters": member}
            },
        },
    }


def config(url: str, spec_file: str) -> dict[str, Any]:
    def identity(name: str, role: str) -> dict[str, Any]:
        request = {
            "method": "POST",
            "path": "/v1/session",
            "json": {"handle": name, "secret": f"${{CREW_{name.upper()}_SECRET}}"},
        }
        auth = {
            "type": "login",
            "request": request,
            "token": {"from": "body", "path": "$.session"},
            "apply": {"header": "Authorization", "format": "Session {token}"},
        }
        return {"name": name, "role": role, "auth": auth}

    return {
        "target": url,
        "spec": spec_file,
        "identities": [identity("ann", "user"), identity("ben", "user"), identity("root", "admin")],
        "resources": {"ann": {"crew_id": [1]}, "ben": {"crew_id": [2]}},
        "policy": {"disposable": [{"crew_id": 1, "member_id": IDS["zed"]}]},
    }
