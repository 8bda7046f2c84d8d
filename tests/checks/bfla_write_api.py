"""A small shop back office for authz-bfla-privileged-write: bearer tokens, integer ids, pages
wrapped in `{"data": [...]}`, a public sign-up, and an admin area under `/admin`.

Flaws (only when `vulnerable`): `POST /admin/users/{user_id}/ban` checks the login, not the
role; `DELETE /products/{product_id}` lets any user delete the admin's catalogue. Decoys, the
same in both twins: `POST /admin/users/{user_id}/suspend` answers users `200 {"status":
"queued"}` and does nothing (a 2xx that is not an effect); `PUT /admin/users/{user_id}/role`,
`…/unban` and `PATCH /products/{product_id}` are admin-only; users delete their *own* notes
(object-level, not BFLA); the admin's messages to uma may be deleted by uma, their recipient.
zoe is a real user nobody configured: the scanner must never touch her.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKENS = {"tok-uma-51c0e8a2": "uma", "tok-ben-7d2f9b14": "ben", "tok-ada-c3e1a6f9": "ada"}
TOKEN_ENV = {"UMA_TOKEN": "tok-uma-51c0e8a2", "BEN_TOKEN": "tok-ben-7d2f9b14"}
TOKEN_ENV["ADA_TOKEN"] = "tok-ada-c3e1a6f9"


@dataclass
class Shop:
    vulnerable: bool
    account_delete: bool = True
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10))
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: dict[int, dict[str, Any]] = field(default_factory=dict)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    deleted_by: list[str] = field(default_factory=list)  # who deleted a message

    def __post_init__(self) -> None:
        for number, (name, role) in enumerate(
            [("uma", "user"), ("ben", "user"), ("ada", "admin"), ("zoe", "user")], start=1
        ):
            self.users[number] = {
                "id": number,
                "username": name,
                "email": f"{name}@shop.example",
                "role": role,
                "banned": False,
                "suspended": False,
            }
        self.products[1] = {"id": 1, "name": "Tea towel", "description": "linen", "owner": "ada"}
        self.notes[1] = {"id": 1, "text": "uma's shopping list", "owner": "uma"}


def make_app(shop: Shop) -> web.Application:
    def caller(request: web.Request) -> dict[str, Any] | None:
        name = TOKENS.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        return next((u for u in shop.users.values() if u["username"] == name), None)

    def need(request: web.Request, *, admin: bool = False) -> dict[str, Any]:
        user = caller(request)
        if user is None:
            raise web.HTTPUnauthorized(text='{"error": "login"}', content_type="application/json")
        if admin and user["role"] != "admin":
            raise web.HTTPForbidden(
                text='{"error": "admins only"}', content_type="application/json"
            )
        return user

    def view(user: dict[str, Any]) -> dict[str, Any]:
        now = datetime.datetime.now(datetime.UTC).isoformat()
        return {**user, "checked_at": now}

    def target(request: web.Request, table: dict[int, dict[str, Any]], key: str) -> int:
        raw = request.match_info[key]
        if not raw.isdigit() or int(raw) not in table:
            raise web.HTTPNotFound(text='{"error": "not found"}', content_type="application/json")
        return int(raw)

    async def me(request: web.Request) -> web.Response:
        user = need(request)
        return web.json_response(
            {"id": user["id"], "username": user["username"], "email": user["email"]}
        )

    async def signup(request: web.Request) -> web.Response:
        body = await request.json()
        if len(str(body.get("password", ""))) < 10 or not body.get("username"):
            return web.json_response({"error": "invalid"}, status=422)
        number = next(shop.ids)
        shop.users[number] = {
            "id": number,
            "username": str(body["username"]),
            "email": str(body.get("email", "")),
            "role": "user",
            "banned": False,
            "suspended": False,
        }
        return web.json_response({"id": number, "username": body["username"]}, status=201)

    async def admin_users(request: web.Request) -> web.Response:
        need(request, admin=True)
        return web.json_response({"data": [view(u) for u in shop.users.values()]})

    async def admin_user(request: web.Request) -> web.Response:
        need(request, admin=True)
        return web.json_response(view(shop.users[target(request, shop.users, "user_id")]))

    def flag(name: str, value: bool, *, checked: bool) -> Any:
        async def handler(request: web.Request) -> web.Response:
            user = need(request)
            number = target(request, shop.users, "user_id")
            if checked and user["role"] != "admin":
                if name == "suspended":  # the decoy: a success that is not one
                    return web.json_response({"status": "queued"})
                raise web.HTTPForbidden(text='{"error": "admins only"}')
            shop.users[number][name] = value
            return web.json_response(view(shop.users[number]))

        return handler

    async def set_role(request: web.Request) -> web.Response:
        need(request, admin=True)
        number = target(request, shop.users, "user_id")
        role = (await request.json()).get("role")
        if role not in ("user", "support", "admin"):
            return web.json_response({"error": "bad role"}, status=422)
        shop.users[number]["role"] = role
        return web.json_response(view(shop.users[number]))

    async def delete_user(request: web.Request) -> web.Response:
        need(request, admin=True)
        del shop.users[target(request, shop.users, "user_id")]
        return web.Response(status=204)

    async def products(request: web.Request) -> web.Response:
        need(request)
        return web.json_response({"data": list(shop.products.values())})

    async def add_product(request: web.Request) -> web.Response:
        user = need(request, admin=True)
        body = await request.json()
        number = next(shop.ids)
        shop.products[number] = {
            "id": number,
            "name": str(body.get("name", "")),
            "description": str(body.get("description", "")),
            "owner": user["username"],
        }
        return web.json_response(shop.products[number], status=201)

    async def product(request: web.Request) -> web.Response:
        need(request)
        return web.json_response(shop.products[target(request, shop.products, "product_id")])

    async def edit_product(request: web.Request) -> web.Response:
        need(request, admin=True)
        number = target(request, shop.products, "product_id")
        body = await request.json()
        shop.products[number].update({k: str(v) for k, v in body.items() if k in ("name",)})
        return web.json_response(shop.products[number])

    async def delete_product(request: web.Request) -> web.Response:
        need(request, admin=not shop.vulnerable)
        del shop.products[target(request, shop.products, "product_id")]
        return web.Response(status=204)

    async def notes(request: web.Request) -> web.Response:
        user = need(request)
        mine = [n for n in shop.notes.values() if n["owner"] == user["username"]]
        return web.json_response({"data": mine})

    async def add_note(request: web.Request) -> web.Response:
        user = need(request)
        number = next(shop.ids)
        text = str((await request.json()).get("text", ""))
        shop.notes[number] = {"id": number, "text": text, "owner": user["username"]}
        return web.json_response(shop.notes[number], status=201)

    def own_note(request: web.Request) -> int:
        user = need(request)
        number = target(request, shop.notes, "note_id")
        if shop.notes[number]["owner"] != user["username"] and user["role"] != "admin":
            raise web.HTTPNotFound(text='{"error": "not found"}', content_type="application/json")
        return number

    async def note(request: web.Request) -> web.Response:
        return web.json_response(shop.notes[own_note(request)])

    async def delete_note(request: web.Request) -> web.Response:
        del shop.notes[own_note(request)]
        return web.Response(status=204)

    async def send_message(request: web.Request) -> web.Response:
        need(request, admin=True)
        body = await request.json()
        number = next(shop.ids)
        shop.messages[number] = {"id": number, "to": str(body.get("to")), "text": body.get("text")}
        return web.json_response(shop.messages[number], status=201)

    def addressed(request: web.Request) -> tuple[dict[str, Any], int]:
        user = need(request)
        number = target(request, shop.messages, "message_id")
        if user["role"] != "admin" and shop.messages[number]["to"] != user["email"]:
            raise web.HTTPNotFound(text='{"error": "not found"}', content_type="application/json")
        return user, number

    async def message(request: web.Request) -> web.Response:
        return web.json_response(shop.messages[addressed(request)[1]])

    async def delete_message(request: web.Request) -> web.Response:
        user, number = addressed(request)
        del shop.messages[number]
        shop.deleted_by.append(user["username"])
        return web.Response(status=204)

    app = web.Application()
    app.router.add_get("/me", me)
    app.router.add_post("/signup", signup)
    app.router.add_get("/admin/users", admin_users)
    app.router.add_get("/admin/users/{user_id}", admin_user)
    app.router.add_post(
        "/admin/users/{user_id}/ban", flag("banned", True, checked=not shop.vulnerable)
    )
    app.router.add_post("/admin/users/{user_id}/unban", flag("banned", False, checked=True))
    app.router.add_post("/admin/users/{user_id}/suspend", flag("suspended", True, checked=True))
    app.router.add_post("/admin/users/{user_id}/unsuspend", flag("suspended", False, checked=True))
    app.router.add_put("/admin/users/{user_id}/role", set_role)
    if shop.account_delete:
        app.router.add_delete("/admin/users/{user_id}", delete_user)
    app.router.add_get("/products", products)
    app.router.add_post("/products", add_product)
    app.router.add_get("/products/{product_id}", product)
    app.router.add_patch("/products/{product_id}", edit_product)
    app.router.add_delete("/products/{product_id}", delete_product)
    app.router.add_post("/messages", send_message)
    app.router.add_get("/messages/{message_id}", message)
    app.router.add_delete("/messages/{message_id}", delete_message)
    app.router.add_get("/notes", notes)
    app.router.add_post("/notes", add_note)
    app.router.add_get("/notes/{note_id}", note)
    app.router.add_delete("/notes/{note_id}", delete_note)
    return app
