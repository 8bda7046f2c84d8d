"""A small API unlike the lab, for the object-level checks: `/api/v1` prefix, UUID ids named
`{id}`, pages wrapped in `{"data": [...]}`, bearer tokens, no `resources` seeds in the config.

Exactly one flaw, switchable: `GET /api/v1/invoices/{id}` forgets the owner check. Decoys that a
status-code scanner reports and authsift must not: a public catalog item readable by anyone,
a team workspace shared by both users, notes that answer 200 `{"error": "not found"}` to
strangers, and a profile endpoint that ignores its id and always returns the caller.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

TOKENS = {"tok-ana-6f2b9c1e": "ana", "tok-ben-0d7a4e3f": "ben", "tok-ops-9b1c5d2a": "ops"}
TOKEN_ENV = {"INV_ANA_TOKEN": "tok-ana-6f2b9c1e", "INV_BEN_TOKEN": "tok-ben-0d7a4e3f"}
TOKEN_ENV["INV_OPS_TOKEN"] = "tok-ops-9b1c5d2a"
USERS = {
    "ana": {"id": "2b0f6a52-7d0c-4d8e-9d7e-1c5a3f00aa01", "email": "ana@invoices.example"},
    "ben": {"id": "8c1e2f33-0b7a-4f6d-8e2c-9a4b5c00bb02", "email": "ben@invoices.example"},
    "ops": {"id": "5d9a7c44-1e2b-4c3d-a5f6-7b8c9d00cc03", "email": "ops@invoices.example"},
}
INVOICES = {
    str(uuid.UUID(int=0xA1)): ("ana", "Consulting for Wonderland Ltd", 1250.0),
    str(uuid.UUID(int=0xA2)): ("ana", "Tea-party catering deposit", 300.0),
    str(uuid.UUID(int=0xB1)): ("ben", "Bricks and mortar, phase one", 4000.0),
}
NOTES = {
    "n-ana-1": ("ana", "call the Hatter about the invoice"),
    "n-ben-1": ("ben", "order bricks"),
}
TEAM = {"id": "t-shared-1", "name": "Garden project team", "members": ["ana", "ben"]}
CATALOG = {"c-1": {"id": "c-1", "title": "Printed invoice book", "price": 12.5}}


def make_app(*, vulnerable: bool) -> web.Application:
    def caller(request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        return TOKENS.get(header.removeprefix("Bearer ").strip()) if header else None

    def need(request: web.Request) -> str:
        user = caller(request)
        if user is None:
            raise web.HTTPUnauthorized(
                text='{"message": "login required"}', content_type="application/json"
            )
        return user

    def invoice_view(invoice_id: str) -> dict[str, Any]:
        owner, title, amount = INVOICES[invoice_id]
        return {
            "id": invoice_id,
            "title": title,
            "amount": amount,
            "customer": {"email": USERS[owner]["email"]},
        }

    async def account(request: web.Request) -> web.Response:
        user = need(request)
        return web.json_response({"user": {"id": USERS[user]["id"], "email": USERS[user]["email"]}})

    async def invoices(request: web.Request) -> web.Response:
        user = need(request)
        mine = [invoice_view(i) for i, (owner, _, _) in INVOICES.items() if owner == user]
        return web.json_response({"data": mine, "page": 1})

    async def invoice(request: web.Request) -> web.Response:
        user = need(request)
        invoice_id = request.match_info["id"]
        if invoice_id not in INVOICES or (not vulnerable and INVOICES[invoice_id][0] != user):
            raise web.HTTPNotFound(
                text='{"message": "no such invoice"}', content_type="application/json"
            )
        return web.json_response(invoice_view(invoice_id))

    async def notes(request: web.Request) -> web.Response:
        user = need(request)
        mine = [{"id": k, "text": t} for k, (o, t) in NOTES.items() if o == user]
        return web.json_response({"data": mine})

    async def note(request: web.Request) -> web.Response:
        user = need(request)
        found = NOTES.get(request.match_info["id"])
        if found is None or found[0] != user:
            return web.json_response({"error": "not found"})  # 200-with-error, by contract
        return web.json_response({"id": request.match_info["id"], "text": found[1]})

    async def teams(request: web.Request) -> web.Response:
        need(request)
        return web.json_response({"data": [TEAM]})

    async def team(request: web.Request) -> web.Response:
        user = need(request)
        if request.match_info["id"] != TEAM["id"] or user not in TEAM["members"]:
            raise web.HTTPNotFound()
        return web.json_response(TEAM)

    async def profile(request: web.Request) -> web.Response:
        user = need(request)  # ignores {id}: always the caller's own profile
        return web.json_response({"id": USERS[user]["id"], "email": USERS[user]["email"]})

    async def catalog(request: web.Request) -> web.Response:
        return web.json_response({"data": list(CATALOG.values())})

    async def catalog_item(request: web.Request) -> web.Response:
        item = CATALOG.get(request.match_info["id"])
        if item is None:
            raise web.HTTPNotFound()
        return web.json_response(item)

    app = web.Application()
    app.router.add_get("/api/v1/account", account)
    app.router.add_get("/api/v1/invoices", invoices)
    app.router.add_get("/api/v1/invoices/{id}", invoice)
    app.router.add_get("/api/v1/notes", notes)
    app.router.add_get("/api/v1/notes/{id}", note)
    app.router.add_get("/api/v1/teams", teams)
    app.router.add_get("/api/v1/teams/{id}", team)
    app.router.add_get("/api/v1/profiles/{id}", profile)
    app.router.add_get("/api/v1/catalog", catalog)
    app.router.add_get("/api/v1/catalog/{id}", catalog_item)
    return app


def spec() -> dict[str, Any]:
    def get(summary: str, *, param: bool = False) -> dict[str, Any]:
        operation: dict[str, Any] = {
            "summary": summary,
            "responses": {"200": {"description": "ok"}},
        }
        if param:
            operation["parameters"] = [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ]
        return {"get": operation}

    paths = {
        "/api/v1/account": get("who am I"),
        "/api/v1/invoices": get("my invoices"),
        "/api/v1/invoices/{id}": get("one invoice", param=True),
        "/api/v1/notes": get("my notes"),
        "/api/v1/notes/{id}": get("one note", param=True),
        "/api/v1/teams": get("my teams"),
        "/api/v1/teams/{id}": get("one team", param=True),
        "/api/v1/profiles/{id}": get("a profile", param=True),
        "/api/v1/catalog": get("catalog"),
        "/api/v1/catalog/{id}": get("catalog item", param=True),
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "invoices", "version": "1"},
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }


def config(base_url: str, spec_path: str) -> dict[str, Any]:
    return {
        "target": base_url,
        "spec": spec_path,
        "identities": [
            {"name": name, "role": role, "auth": {"type": "bearer", "token": "${" + env + "}"}}
            for name, role, env in (
                ("ana", "user", "INV_ANA_TOKEN"),
                ("ben", "user", "INV_BEN_TOKEN"),
                ("ops", "admin", "INV_OPS_TOKEN"),
            )
        ],
        "limits": {"rate": 200, "concurrency": 4, "timeout": 2, "max_time": 60},
    }
