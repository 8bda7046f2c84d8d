"""Shelfie: a public library's member API in the Django REST Framework style, on aiohttp.web.

    python app.py PORT [--hardened]

Binds 127.0.0.1 only and re-seeds its in-memory store from fixtures.py on every start.
`POST /api/v1/auth/token/` hands out a token (1 hour) sent as `Authorization: Token <key>`.
Deliberately vulnerable practice target for authsift: the flaws are listed in
ground_truth.json; `--hardened` fixes every one.
"""

from __future__ import annotations

import copy
import json
import secrets
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import fixtures
from aiohttp import web

HARDENED = "--hardened" in sys.argv[2:]
TOKEN_TTL = 3600
HERE = Path(__file__).parent
DB: dict[str, dict[str, dict[str, Any]]] = {}
TOKENS: dict[str, tuple[str, float]] = {}
WRITABLE = ("display_name", "email", "phone", "address")


def seed() -> None:
    for table in ("MEMBERS", "BRANCHES", "BOOKS", "LOANS", "HOLDS", "PAYMENTS", "LISTS", "EXPORTS"):
        rows = copy.deepcopy(getattr(fixtures, table))
        DB[table.lower()] = {row["id"]: row for row in rows}


def fail(status: int, detail: str) -> web.HTTPException:
    """A DRF-shaped error: {"detail": "..."}."""
    kinds: dict[int, type[web.HTTPException]] = {
        400: web.HTTPBadRequest,
        401: web.HTTPUnauthorized,
        403: web.HTTPForbidden,
        404: web.HTTPNotFound,
    }
    body = json.dumps({"detail": detail})
    challenge = {"WWW-Authenticate": 'Token realm="api"'} if status == 401 else None
    return kinds[status](text=body, content_type="application/json", headers=challenge)


NOT_FOUND = "No object matches the given query."


def caller(request: web.Request) -> dict[str, Any]:
    user: dict[str, Any] | None = request["user"]
    if user is None:
        raise fail(401, "Authentication credentials were not provided.")
    return user


def staff(request: web.Request) -> dict[str, Any]:
    user = caller(request)
    if not user["is_staff"]:
        raise fail(403, "You do not have permission to perform this action.")
    return user


def row(table: str, request: web.Request) -> dict[str, Any]:
    found = DB[table].get(request.match_info["id"])
    if found is None:
        raise fail(404, NOT_FOUND)
    return found


def mine(obj: dict[str, Any], user: dict[str, Any], field: str = "member") -> dict[str, Any]:
    if obj[field] != user["id"] and not user["is_staff"]:
        raise fail(404, NOT_FOUND)
    return obj


def paginated(request: web.Request, items: list[dict[str, Any]]) -> web.Response:
    try:
        page = max(1, int(request.query.get("page", "1")))
        size = min(100, max(1, int(request.query.get("page_size", "20"))))
    except ValueError:
        raise fail(400, "Invalid page.") from None
    chunk = items[(page - 1) * size : page * size]
    base = str(request.url.with_query({}))
    nxt = f"{base}?page={page + 1}&page_size={size}" if page * size < len(items) else None
    prev = f"{base}?page={page - 1}&page_size={size}" if page > 1 else None
    meta = {"page": page, "page_size": size, "total": len(items)}
    return web.json_response({"data": chunk, "meta": meta, "links": {"next": nxt, "prev": prev}})


def member_out(member: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in member.items() if k != "password"}


async def body_of(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/x-www-form-urlencoded":
        return dict(await request.post())
    try:
        data = await request.json()
    except ValueError:
        raise fail(400, "JSON parse error.") from None
    if not isinstance(data, dict):
        raise fail(400, 'Invalid data. Expected a dictionary, but got "list".')
    return data


@web.middleware
async def token_auth(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    request["user"] = None
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "token":
        entry = TOKENS.get(key.strip())
        if entry is None or entry[1] < time.time():
            raise fail(401, "Invalid token.")
        request["user"] = DB["members"][entry[0]]
    return await handler(request)


async def obtain_token(request: web.Request) -> web.Response:
    data = await body_of(request)
    user = next((m for m in DB["members"].values() if m["username"] == data.get("username")), None)
    if user is None or not secrets.compare_digest(user["password"], str(data.get("password"))):
        raise fail(400, "Unable to log in with provided credentials.")
    key = secrets.token_hex(20)
    TOKENS[key] = (user["id"], time.time() + TOKEN_TTL)
    expiry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + TOKEN_TTL))
    return web.json_response({"token": key, "expiry": expiry, "expires_in": TOKEN_TTL})


async def logout(request: web.Request) -> web.Response:
    caller(request)
    TOKENS.pop(request.headers["Authorization"].partition(" ")[2].strip(), None)
    return web.Response(status=204)


class MeView(web.View):
    async def get(self) -> web.Response:
        return web.json_response(member_out(caller(self.request)))

    async def patch(self) -> web.Response:
        user = caller(self.request)
        data = await body_of(self.request)
        # SH-05: every field but id was copied; the serializer meant only WRITABLE.
        allowed = WRITABLE if HARDENED else tuple(k for k in data if k not in ("id", "password"))
        for key in allowed:
            if key in data:
                user[key] = data[key]
        return web.json_response(member_out(user))


async def member_detail(request: web.Request) -> web.Response:
    return web.json_response(member_out(mine(row("members", request), caller(request), "id")))


class BookList(web.View):
    async def get(self) -> web.Response:
        return paginated(self.request, list(DB["books"].values()))

    async def post(self) -> web.Response:
        staff(self.request)
        data = await body_of(self.request)
        if not data.get("title") or not data.get("author"):
            raise fail(400, "title and author are required.")
        book = {"id": str(uuid.uuid4()), "isbn": str(data.get("isbn", ""))}
        book |= {"title": data["title"], "author": data["author"], "branch": fixtures.CENTRAL}
        DB["books"][book["id"]] = book
        return web.json_response(book, status=201)


class BookDetail(web.View):
    async def get(self) -> web.Response:
        return web.json_response(row("books", self.request))

    async def delete(self) -> web.Response:
        if HARDENED:
            staff(self.request)
        else:
            caller(self.request)  # SH-04: given the member permission class instead of staff
        del DB["books"][row("books", self.request)["id"]]
        return web.Response(status=204)


async def loan_list(request: web.Request) -> web.Response:
    user = caller(request)
    member = request.query.get("member", user["id"])
    if HARDENED and member != user["id"] and not user["is_staff"]:
        raise fail(403, "You do not have permission to perform this action.")  # SH-01 fixed
    return paginated(request, [loan for loan in DB["loans"].values() if loan["member"] == member])


async def loan_detail(request: web.Request) -> web.Response:
    return web.json_response(mine(row("loans", request), caller(request)))


class HoldList(web.View):
    async def get(self) -> web.Response:
        user = caller(self.request)
        return paginated(
            self.request, [h for h in DB["holds"].values() if h["member"] == user["id"]]
        )

    async def post(self) -> web.Response:
        user = caller(self.request)
        data = await body_of(self.request)
        if data.get("book") not in DB["books"]:
            raise fail(400, "Invalid pk - object does not exist.")
        queue = [h for h in DB["holds"].values() if h["book"] == data["book"]]
        hold = {"id": str(uuid.uuid4()), "member": user["id"], "book": data["book"]}
        hold |= {"status": "waiting", "position": len(queue) + 1, "pickup_branch": fixtures.CENTRAL}
        DB["holds"][hold["id"]] = hold
        return web.json_response(hold, status=201)


async def hold_detail(request: web.Request) -> web.Response:
    return web.json_response(mine(row("holds", request), caller(request)))


async def hold_cancel(request: web.Request) -> web.Response:
    user = caller(request)
    hold = row("holds", request)
    if HARDENED:
        mine(hold, user)  # SH-02: the holder was never compared with the caller
    hold["status"] = "cancelled"
    return web.json_response(hold)


async def payment_list(request: web.Request) -> web.Response:
    user = caller(request)
    return paginated(request, [p for p in DB["payments"].values() if p["member"] == user["id"]])


async def payment_detail(request: web.Request) -> web.Response:
    user = caller(request)
    payment = row("payments", request)
    return web.json_response(mine(payment, user) if HARDENED else payment)  # SH-03


async def list_list(request: web.Request) -> web.Response:
    user = caller(request)
    lists = [x for x in DB["lists"].values() if user["id"] in (x["owner"], *x["shared_with"])]
    return paginated(request, lists)


async def list_detail(request: web.Request) -> web.Response:
    user = caller(request)
    found = row("lists", request)
    if user["id"] not in (found["owner"], *found["shared_with"]):
        raise fail(404, NOT_FOUND)
    return web.json_response(found)


async def export_create(request: web.Request) -> web.Response:
    user = caller(request)
    export = {
        "id": str(uuid.uuid4()),
        "member": user["id"],
        "created": time.strftime("%FT%TZ", time.gmtime()),
    }
    DB["exports"][export["id"]] = export
    return web.json_response(export, status=202)


async def export_detail(request: web.Request) -> web.Response:
    export = row("exports", request)
    if HARDENED:  # SH-06: was AllowAny so that the e-mailed link works without a login
        mine(export, caller(request))
    member = DB["members"][export["member"]]
    loans = [loan for loan in DB["loans"].values() if loan["member"] == member["id"]]
    payments = [p for p in DB["payments"].values() if p["member"] == member["id"]]
    member_data = member_out(member)
    return web.json_response(
        export | {"profile": member_data, "loans": loans, "payments": payments}
    )


async def branch_list(request: web.Request) -> web.Response:
    return paginated(request, list(DB["branches"].values()))


async def openapi(request: web.Request) -> web.Response:
    return web.Response(text=(HERE / "openapi.json").read_text(), content_type="application/json")


def make_app() -> web.Application:
    app = web.Application(middlewares=[token_auth])
    v1 = "/api/v1"
    app.router.add_get("/openapi.json", openapi)
    app.router.add_post(f"{v1}/auth/token/", obtain_token)
    app.router.add_post(f"{v1}/auth/logout/", logout)
    app.router.add_view(f"{v1}/members/me/", MeView)
    app.router.add_get(f"{v1}/members/{{id}}/", member_detail)
    app.router.add_view(f"{v1}/books/", BookList)
    app.router.add_view(f"{v1}/books/{{id}}/", BookDetail)
    app.router.add_get(f"{v1}/loans/", loan_list)
    app.router.add_get(f"{v1}/loans/{{id}}/", loan_detail)
    app.router.add_view(f"{v1}/holds/", HoldList)
    app.router.add_get(f"{v1}/holds/{{id}}/", hold_detail)
    app.router.add_post(f"{v1}/holds/{{id}}/cancel/", hold_cancel)
    app.router.add_get(f"{v1}/payments/", payment_list)
    app.router.add_get(f"{v1}/payments/{{id}}/", payment_detail)
    app.router.add_get(f"{v1}/lists/", list_list)
    app.router.add_get(f"{v1}/lists/{{id}}/", list_detail)
    app.router.add_post(f"{v1}/exports/", export_create)
    app.router.add_get(f"{v1}/exports/{{id}}/", export_detail)
    app.router.add_get(f"{v1}/branches/", branch_list)
    return app


if __name__ == "__main__":
    seed()
    web.run_app(make_app(), host="127.0.0.1", port=int(sys.argv[1]), print=None)
