"""A multi-tenant task tracker unlike the lab, for the object-level checks (issue #8).

Teams own tasks; members read their team's tasks; a team lead reads the notes of her team's
members; everyone signed in reads the people directory; author pages are public (the spec omits
`security` on them while declaring it everywhere else, as FastAPI does).

Two flaws, switchable together (`vulnerable`):
- `GET /teams/{team_id}/tasks/{task_id}` checks membership of `team_id`, then loads the task by
  id alone: ben (team 2) reads ann's task 101 as `/teams/2/tasks/101` (nested-resource BOLA).
- `GET /notes?owner_id=` returns anyone's notes (BOLA through a query parameter).
Decoys that must stay silent: dora (lead of team 1) reading ann's notes and team-1 tasks (a
relationship), the directory `GET /people/{user_id}` (id, user name, display name only), and the
public author page `GET /authors/{username}`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

TOKENS = {
    "tk-ann-41c2": "ann",
    "tk-ben-77d0": "ben",
    "tk-dora-3a9e": "dora",
    "tk-root-5f11": "root",
}
TOKEN_ENV = {
    "TT_ANN": "tk-ann-41c2",
    "TT_BEN": "tk-ben-77d0",
    "TT_DORA": "tk-dora-3a9e",
    "TT_ROOT": "tk-root-5f11",
}
USERS = {
    "ann": {"id": 11, "email": "ann.vance@tasks.example", "name": "Ann Vance", "team": 1},
    "ben": {"id": 12, "email": "ben.okoro@tasks.example", "name": "Ben Okoro", "team": 2},
    "dora": {"id": 13, "email": "dora.lind@tasks.example", "name": "Dora Lind", "team": 1},
    "root": {"id": 10, "email": "root@tasks.example", "name": "Root", "team": 0},
}
LEADS = {1: "dora"}
TASKS = {
    101: {"team_id": 1, "title": "Renew the TLS certificate", "detail": "expires Friday; ask Ann"},
    102: {"team_id": 1, "title": "Quarterly access review", "detail": "spreadsheet in drive"},
    201: {"team_id": 2, "title": "Move the build runners", "detail": "new rack in room 4"},
}
NOTES = {
    11: [{"id": 1, "owner_id": 11, "team_id": 1, "text": "salary talk with Dora on the 12th"}],
    12: [{"id": 2, "owner_id": 12, "team_id": 2, "text": "dentist Tuesday 9am, leave early"}],
}


def make_app(*, vulnerable: bool) -> web.Application:
    def need(request: web.Request) -> str:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        user = TOKENS.get(token)
        if user is None:
            raise web.HTTPUnauthorized(text='{"error": "auth"}', content_type="application/json")
        return user

    def missing() -> web.HTTPNotFound:
        return web.HTTPNotFound(text='{"error": "not found"}', content_type="application/json")

    async def me(request: web.Request) -> web.Response:
        user = USERS[need(request)]
        return web.json_response({"id": user["id"], "email": user["email"], "team": user["team"]})

    async def tasks(request: web.Request) -> web.Response:
        user = need(request)
        team = int(request.match_info["team_id"])
        if USERS[user]["team"] != team and user != "root":
            raise web.HTTPForbidden(
                text='{"error": "not a member"}', content_type="application/json"
            )
        found = [{"id": k, **v} for k, v in TASKS.items() if v["team_id"] == team]
        return web.json_response({"results": found, "count": len(found)})

    async def task(request: web.Request) -> web.Response:
        user = need(request)
        team, task_id = int(request.match_info["team_id"]), int(request.match_info["task_id"])
        if USERS[user]["team"] != team and user != "root":
            raise web.HTTPForbidden(
                text='{"error": "not a member"}', content_type="application/json"
            )
        found = TASKS.get(task_id)
        if found is None or (not vulnerable and found["team_id"] != team):
            raise missing()
        return web.json_response({"id": task_id, **found})

    async def notes(request: web.Request) -> web.Response:
        user = need(request)
        owner = int(request.query.get("owner_id", USERS[user]["id"]))
        owner_name = next((n for n, u in USERS.items() if u["id"] == owner), None)
        allowed = owner == USERS[user]["id"] or user == "root"
        allowed |= owner_name is not None and LEADS.get(USERS[owner_name]["team"]) == user
        if not allowed and not vulnerable:
            return web.json_response([])
        return web.json_response(NOTES.get(owner, []))

    async def person(request: web.Request) -> web.Response:
        need(request)
        wanted = int(request.match_info["user_id"])
        for name, user in USERS.items():
            if user["id"] == wanted:
                return web.json_response(
                    {"id": user["id"], "username": name, "display_name": user["name"]}
                )
        raise missing()

    async def author(request: web.Request) -> web.Response:
        user = USERS.get(request.match_info["username"])
        if user is None:
            raise missing()
        return web.json_response({"username": request.match_info["username"], "name": user["name"]})

    app = web.Application()
    app.router.add_get("/me", me)
    app.router.add_get("/teams/{team_id}/tasks", tasks)
    app.router.add_get("/teams/{team_id}/tasks/{task_id}", task)
    app.router.add_get("/notes", notes)
    app.router.add_get("/people/{user_id}", person)
    app.router.add_get("/authors/{username}", author)
    return app


def spec() -> dict[str, Any]:
    bearer = [{"bearer": []}]

    def get(*params: tuple[str, str], query: str | None = None, secured: bool = True) -> Any:
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": kind}}
            for name, kind in params
        ]
        if query:
            parameters.append({"name": query, "in": "query", "schema": {"type": "integer"}})
        operation: dict[str, Any] = {"parameters": parameters, "responses": {"200": {}}}
        if secured:
            operation["security"] = bearer
        return {"get": operation}

    return {
        "openapi": "3.1.0",
        "info": {"title": "tasks", "version": "1"},
        "paths": {
            "/me": get(),
            "/teams/{team_id}/tasks": get(("team_id", "integer")),
            "/teams/{team_id}/tasks/{task_id}": get(("team_id", "integer"), ("task_id", "integer")),
            "/notes": get(query="owner_id"),
            "/people/{user_id}": get(("user_id", "integer")),
            "/authors/{username}": get(("username", "string"), secured=False),
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


def config(base_url: str, spec_path: str) -> dict[str, Any]:
    people = (("ann", "user"), ("ben", "user"), ("dora", "lead"), ("root", "admin"))
    return {
        "target": base_url,
        "spec": spec_path,
        "identities": [
            {
                "name": name,
                "role": role,
                "auth": {"type": "bearer", "token": "${TT_" + name.upper() + "}"},
            }
            for name, role in people
        ],
        "resources": {
            "ann": {"team_id": [1], "task_id": [101], "owner_id": [11], "user_id": [11]},
            "ben": {"team_id": [2], "task_id": [201], "owner_id": [12], "user_id": [12]},
            "dora": {"team_id": [1], "user_id": [13], "username": ["dora"]},
        },
        "limits": {"rate": 200, "concurrency": 4, "timeout": 2, "max_time": 60},
    }
