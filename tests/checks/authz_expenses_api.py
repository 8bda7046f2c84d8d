"""A small expenses API (aiohttp, Django-REST style: trailing slashes, integer ids, pages as
`{"count": n, "results": [...]}`, `X-Api-Token` header) for authz-bola-list.

One flaw, switchable: `GET /expenses/` lists every user's expenses (the detail `GET
/expenses/{expense_id}/` checks the owner). Decoys: a team's expense listing that team members
read by design (`GET /teams/{team_id}/expenses/`), a people directory without private data
(`GET /people/`), and a public offers catalogue anonymous callers read too (`GET /offers/`).

ada and cy are in team 1, bo in team 2; root is the administrator.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

TOKENS = {"ada": "exp-ada-4411", "bo": "exp-bo-5522", "cy": "exp-cy-6633", "root": "exp-root-7744"}
ENV = {f"EXP_{name.upper()}_TOKEN": token for name, token in TOKENS.items()}
PEOPLE = {
    "ada": {"id": 21, "team": 1, "email": "ada@expenses.example"},
    "bo": {"id": 22, "team": 2, "email": "bo@expenses.example"},
    "cy": {"id": 23, "team": 1, "email": "cy@expenses.example"},
    "root": {"id": 20, "team": None, "email": "root@expenses.example"},
}
EXPENSES = {
    1: ("ada", 1, "Train to Leeds, client workshop", "48.20"),
    2: ("ada", 1, "Hotel near the venue, two nights", "212.00"),
    3: ("bo", 2, "Taxi from the airport at night", "61.75"),
    4: ("cy", 1, "Team lunch with the Leeds client", "96.40"),
}
OFFERS = [{"id": 1, "title": "Travel insurance for teams", "amount": "9.99", "public": True}]


def make_app(*, vulnerable: bool) -> web.Application:
    def caller(request: web.Request) -> str:
        token = request.headers.get("X-Api-Token", "")
        name = next((n for n, t in TOKENS.items() if t == token), None)
        if name is None:
            raise web.HTTPForbidden(
                text='{"detail": "Authentication credentials were not provided."}',
                content_type="application/json",
            )
        return name

    def view(expense_id: int) -> dict[str, Any]:
        owner, team, note, amount = EXPENSES[expense_id]
        return {
            "id": expense_id,
            "submitted_by": PEOPLE[owner]["email"],
            "team_id": team,
            "note": note,
            "amount": amount,
        }

    def page(results: list[dict[str, Any]]) -> web.Response:
        return web.json_response({"count": len(results), "next": None, "results": results})

    def may_read(name: str, expense_id: int) -> bool:
        return name == "root" or EXPENSES[expense_id][0] == name

    async def whoami(request: web.Request) -> web.Response:
        name = caller(request)
        return web.json_response({"id": PEOPLE[name]["id"], "username": name})

    async def expenses(request: web.Request) -> web.Response:
        name = caller(request)
        shown = [i for i in EXPENSES if vulnerable or may_read(name, i)]
        return page([view(i) for i in shown])

    async def expense(request: web.Request) -> web.Response:
        name, wanted = caller(request), int(request.match_info["expense_id"])
        if wanted not in EXPENSES or not may_read(name, wanted):
            raise web.HTTPNotFound(text='{"detail": "Not found."}', content_type="application/json")
        return web.json_response(view(wanted))

    def team_of(request: web.Request) -> int:
        name, team = caller(request), int(request.match_info["team_id"])
        if name != "root" and PEOPLE[name]["team"] != team:
            raise web.HTTPNotFound(text='{"detail": "Not found."}', content_type="application/json")
        return team

    async def team_expenses(request: web.Request) -> web.Response:
        team = team_of(request)
        return page([view(i) for i, e in EXPENSES.items() if e[1] == team])

    async def team_expense(request: web.Request) -> web.Response:
        team, wanted = team_of(request), int(request.match_info["expense_id"])
        if wanted not in EXPENSES or EXPENSES[wanted][1] != team:
            raise web.HTTPNotFound(text='{"detail": "Not found."}', content_type="application/json")
        return web.json_response(view(wanted))

    def person(name: str) -> dict[str, Any]:
        return {"id": PEOPLE[name]["id"], "username": name, "display_name": name.title()}

    async def people(request: web.Request) -> web.Response:
        caller(request)
        return page([person(n) for n in PEOPLE])

    async def one_person(request: web.Request) -> web.Response:
        caller(request)
        wanted = int(request.match_info["person_id"])
        found = next((n for n, p in PEOPLE.items() if p["id"] == wanted), None)
        if found is None:
            raise web.HTTPNotFound(text='{"detail": "Not found."}', content_type="application/json")
        return web.json_response(person(found))

    async def offers(request: web.Request) -> web.Response:
        return page(OFFERS)

    async def offer(request: web.Request) -> web.Response:
        return web.json_response(OFFERS[0])

    app = web.Application()
    app.router.add_get("/whoami/", whoami)
    app.router.add_get("/expenses/", expenses)
    app.router.add_get("/expenses/{expense_id}/", expense)
    app.router.add_get("/teams/{team_id}/expenses/", team_expenses)
    app.router.add_get("/teams/{team_id}/expenses/{expense_id}/", team_expense)
    app.router.add_get("/people/", people)
    app.router.add_get("/people/{person_id}/", one_person)
    app.router.add_get("/offers/", offers)
    app.router.add_get("/offers/{offer_id}/", offer)
    return app


def spec() -> dict[str, Any]:
    def get(*params: str, public: bool = False) -> dict[str, Any]:
        operation: dict[str, Any] = {"responses": {"200": {"description": "ok"}}}
        operation["parameters"] = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "integer"}}
            for p in params
        ]
        if public:
            operation["security"] = []
        return {"get": operation}

    return {
        "openapi": "3.0.3",
        "info": {"title": "expenses", "version": "1"},
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "X-Api-Token"}}
        },
        "paths": {
            "/whoami/": get(),
            "/expenses/": get(),
            "/expenses/{expense_id}/": get("expense_id"),
            "/teams/{team_id}/expenses/": get("team_id"),
            "/teams/{team_id}/expenses/{expense_id}/": get("team_id", "expense_id"),
            "/people/": get(),
            "/people/{person_id}/": get("person_id"),
            "/offers/": get(public=True),
            "/offers/{offer_id}/": get("offer_id", public=True),
        },
    }


def config(url: str, spec_file: str) -> dict[str, Any]:
    def identity(name: str, role: str) -> dict[str, Any]:
        token = f"${{EXP_{name.upper()}_TOKEN}}"
        auth = {"type": "header", "name": "X-Api-Token", "value": token}
        return {"name": name, "role": role, "auth": auth}

    return {
        "target": url,
        "spec": spec_file,
        "identities": [
            identity("ada", "user"),
            identity("bo", "user"),
            identity("cy", "user"),
            identity("root", "admin"),
        ],
        "resources": {
            "ada": {"expense_id": [1, 2], "team_id": [1], "person_id": [21]},
            "bo": {"expense_id": [3], "team_id": [2], "person_id": [22]},
            "cy": {"expense_id": [4], "team_id": [1], "person_id": [23]},
        },
    }
