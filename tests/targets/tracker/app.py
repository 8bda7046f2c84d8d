"""Trackly: a multi-tenant project tracker (teams → boards → cards), in plain Starlette.

    python app.py PORT [--hardened]

Binds 127.0.0.1 only and re-seeds its in-memory store on every start. Sessions are opaque
tokens (`POST /api/sessions`) sent in `X-Session-Token`. Deliberately vulnerable practice
target for authsift: the flaws are listed in ground_truth.json; `--hardened` fixes every one.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import uvicorn
from openapi import SPEC
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

HARDENED = "--hardened" in sys.argv[2:]
SESSION_TTL = 8 * 3600

USERS: dict[int, dict[str, Any]] = {}
TEAMS: dict[int, dict[str, Any]] = {}
MEMBERS: dict[tuple[int, int], str] = {}  # (team_id, user_id) -> "member" | "admin"
BOARDS: dict[int, dict[str, Any]] = {}
CARDS: dict[int, dict[str, Any]] = {}
SESSIONS: dict[str, tuple[int, float]] = {}
AUDIT: list[dict[str, Any]] = []
ACTIVITY: list[dict[str, Any]] = []


def seed() -> None:
    data = json.loads((Path(__file__).parent / "seed.json").read_text())
    USERS.update({u["id"]: u for u in data["users"]})
    TEAMS.update({t["id"]: t for t in data["teams"]})
    MEMBERS.update({(m["team_id"], m["user_id"]): m["role"] for m in data["members"]})
    BOARDS.update({b["id"]: b for b in data["boards"]})
    for card in data["cards"]:
        CARDS[card["id"]] = card
        log(card["board_id"], USERS[card["author_id"]], "created card", card)


def log(board_id: int, actor: dict[str, Any], action: str, card: dict[str, Any]) -> None:
    entry = {"board_id": board_id, "actor": actor["username"], "action": action}
    ACTIVITY.append(entry | {"card_id": card["id"], "card_title": card["title"]})


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def user_of(request: Request) -> dict[str, Any] | None:
    token = request.headers.get("x-session-token", "")
    session = SESSIONS.get(token)
    if session is None or session[1] < time.time():
        return None
    return USERS.get(session[0])


def login_required(request: Request) -> dict[str, Any]:
    user = user_of(request)
    if user is None:
        raise HTTPException(401, "authentication required")
    return user


def role_in(team_id: int, user: dict[str, Any]) -> str | None:
    return "admin" if user["is_staff"] else MEMBERS.get((team_id, user["id"]))


def team_for(request: Request, user: dict[str, Any]) -> dict[str, Any]:
    team = TEAMS.get(request.path_params["team_id"])
    if team is None or role_in(team["id"], user) is None:
        raise HTTPException(404, "team not found")
    return team


def board_in(team: dict[str, Any], board_id: int) -> dict[str, Any]:
    board = BOARDS.get(board_id)
    if board is None or board["team_id"] != team["id"]:
        raise HTTPException(404, "board not found")
    return board


def card_in(board: dict[str, Any], card_id: int) -> dict[str, Any]:
    card = CARDS.get(card_id)
    if card is None or card["board_id"] != board["id"]:
        raise HTTPException(404, "card not found")
    return card


def card_out(card: dict[str, Any]) -> dict[str, Any]:
    author = USERS[card["author_id"]]
    return {
        **card,
        "author": {"id": author["id"], "username": author["username"]},
        "team_id": BOARDS[card["board_id"]]["team_id"],
    }


async def json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise HTTPException(400, "body must be JSON") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "body must be a JSON object")
    return body


async def create_session(request: Request) -> Response:
    body = await json_body(request)
    user = next((u for u in USERS.values() if u["email"] == body.get("email")), None)
    if user is None or not secrets.compare_digest(user["password"], str(body.get("password", ""))):
        return error(401, "invalid_credentials", "e-mail or password is wrong")
    token = "trk_" + secrets.token_hex(20)
    SESSIONS[token] = (user["id"], time.time() + SESSION_TTL)
    user["last_login"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    AUDIT.append(
        {
            "event": "login",
            "user": user["username"],
            "ip": request.client.host if request.client else None,
            "user_agent": request.headers.get("user-agent"),
            "at": user["last_login"],
        }
    )
    return JSONResponse(
        {
            "token": token,
            "expires_in": SESSION_TTL,
            "user": {"id": user["id"], "username": user["username"]},
        },
        status_code=201,
    )


async def delete_session(request: Request) -> Response:
    login_required(request)
    SESSIONS.pop(request.headers.get("x-session-token", ""), None)
    return Response(status_code=204)


async def me(request: Request) -> Response:
    user = login_required(request)
    teams = [{"team_id": t, "role": r} for (t, u), r in MEMBERS.items() if u == user["id"]]
    return JSONResponse({k: v for k, v in user.items() if k != "password"} | {"teams": teams})


async def directory_entry(request: Request) -> Response:
    login_required(request)
    user = USERS.get(request.path_params["user_id"])
    if user is None:
        return error(404, "not_found", "user not found")
    return JSONResponse({k: user[k] for k in ("id", "username", "display_name", "avatar_url")})


async def list_teams(request: Request) -> Response:
    user = login_required(request)
    return JSONResponse(
        [
            {k: t[k] for k in ("id", "slug", "name")} | {"role": role_in(t["id"], user)}
            for t in TEAMS.values()
            if role_in(t["id"], user)
        ]
    )


async def get_team(request: Request) -> Response:
    team = team_for(request, login_required(request))
    members = [
        {"user_id": u, "username": USERS[u]["username"], "email": USERS[u]["email"], "role": r}
        for (t, u), r in MEMBERS.items()
        if t == team["id"]
    ]
    return JSONResponse({k: team[k] for k in ("id", "slug", "name")} | {"members": members})


async def set_member_role(request: Request) -> Response:
    user = login_required(request)
    team = team_for(request, user)
    if HARDENED and role_in(team["id"], user) != "admin":  # TR-04: the admin check was missing
        return error(403, "forbidden", "only team admins change roles")
    key = (team["id"], request.path_params["user_id"])
    body = await json_body(request)
    if key not in MEMBERS:
        return error(404, "not_found", "not a member of this team")
    if body.get("role") not in ("member", "admin"):
        return error(422, "invalid", "role must be member or admin")
    MEMBERS[key] = body["role"]
    return JSONResponse({"team_id": key[0], "user_id": key[1], "role": body["role"]})


async def billing(request: Request) -> Response:
    team = TEAMS.get(request.path_params["team_id"])
    if HARDENED:  # TR-06: answered anonymous callers; now team admins and staff only
        user = login_required(request)
        team = team_for(request, user)
        if role_in(team["id"], user) != "admin":
            return error(403, "forbidden", "only team admins see billing")
    if team is None:
        return error(404, "not_found", "team not found")
    return JSONResponse({"team_id": team["id"], **team["billing"]})


async def list_boards(request: Request) -> Response:
    team = team_for(request, login_required(request))
    return JSONResponse([b for b in BOARDS.values() if b["team_id"] == team["id"]])


async def get_board(request: Request) -> Response:
    board = BOARDS.get(request.path_params["board_id"])
    if board is not None and board["public"] and board["team_id"] == request.path_params["team_id"]:
        return JSONResponse(board)  # the public roadmap: anyone, anonymous callers included
    team = team_for(request, login_required(request))
    return JSONResponse(board_in(team, request.path_params["board_id"]))


async def cards(request: Request) -> Response:
    user = login_required(request)
    board = board_in(team_for(request, user), request.path_params["board_id"])
    if request.method == "GET":
        return JSONResponse([card_out(c) for c in CARDS.values() if c["board_id"] == board["id"]])
    body = await json_body(request)
    if not isinstance(body.get("title"), str) or not body["title"]:
        return error(422, "invalid", "title is required")
    cid = max(CARDS) + 1
    CARDS[cid] = {
        "id": cid,
        "board_id": board["id"],
        "title": body["title"],
        "description": str(body.get("description", "")),
        "author_id": user["id"],
        "status": "open",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    log(board["id"], user, "created card", CARDS[cid])
    return JSONResponse(card_out(CARDS[cid]), status_code=201)


async def card(request: Request) -> Response:
    user = login_required(request)
    team = team_for(request, user)
    card_id = request.path_params["card_id"]
    if request.method == "GET" and not HARDENED:  # TR-01: loaded by id alone
        found = CARDS.get(card_id)
        if found is None:
            return error(404, "not_found", "card not found")
        return JSONResponse(card_out(found))
    found = card_in(board_in(team, request.path_params["board_id"]), card_id)
    if request.method == "GET":
        return JSONResponse(card_out(found))
    if request.method == "DELETE":
        if found["author_id"] != user["id"] and role_in(team["id"], user) != "admin":
            return error(403, "forbidden", "only the author or a team admin deletes a card")
        del CARDS[card_id]
        return Response(status_code=204)
    body = await json_body(request)
    for key in ("title", "description", "status"):
        if isinstance(body.get(key), str):
            found[key] = body[key]
    return JSONResponse(card_out(found))


async def permalink(request: Request) -> Response:
    user = login_required(request)
    found = CARDS.get(request.path_params["card_id"])
    if found is None or role_in(BOARDS[found["board_id"]]["team_id"], user) is None:
        return error(404, "not_found", "card not found")
    return JSONResponse(card_out(found))


async def activity(request: Request) -> Response:
    user = login_required(request)
    board = BOARDS.get(request.path_params["board_id"])
    if board is None or (
        HARDENED and not board["public"] and role_in(board["team_id"], user) is None
    ):
        return error(404, "not_found", "board not found")  # TR-02: membership was not checked
    return JSONResponse([a for a in ACTIVITY if a["board_id"] == board["id"]])


async def move_card(request: Request) -> Response:
    user = login_required(request)
    body = await json_body(request)
    found, target = CARDS.get(body.get("card_id", 0)), BOARDS.get(body.get("to_board_id", 0))
    if target is None or role_in(target["team_id"], user) is None:
        return error(404, "not_found", "board not found")
    if found is None or (HARDENED and role_in(BOARDS[found["board_id"]]["team_id"], user) is None):
        # TR-03: only the destination was checked, never the team the card belongs to
        return error(404, "not_found", "card not found")
    found["board_id"] = target["id"]
    log(target["id"], user, "moved card here", found)
    return JSONResponse(card_out(found))


def staff_only(request: Request) -> None:
    if not login_required(request)["is_staff"]:
        raise HTTPException(403, "staff only")


async def admin_users(request: Request) -> Response:
    staff_only(request)
    return JSONResponse([{k: v for k, v in u.items() if k != "password"} for u in USERS.values()])


async def audit_log(request: Request) -> Response:
    if HARDENED:
        staff_only(request)
    else:
        login_required(request)  # TR-05: login only, where staff_only() was meant
    return JSONResponse({"events": AUDIT + [dict(a, kind="activity") for a in ACTIVITY]})


async def openapi(request: Request) -> Response:
    return JSONResponse(SPEC)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found"}
    return error(exc.status_code, codes.get(exc.status_code, "error"), exc.detail)


TEAM = "/api/teams/{team_id:int}"
app = Starlette(
    routes=[
        Route("/openapi.json", openapi),
        Route("/api/sessions", create_session, methods=["POST"]),
        Route("/api/sessions/current", delete_session, methods=["DELETE"]),
        Route("/api/me", me),
        Route("/api/users/{user_id:int}", directory_entry),
        Route("/api/teams", list_teams),
        Route(TEAM, get_team),
        Route(TEAM + "/members/{user_id:int}", set_member_role, methods=["PUT"]),
        Route(TEAM + "/billing", billing),
        Route(TEAM + "/boards", list_boards),
        Route(TEAM + "/boards/{board_id:int}", get_board),
        Route(TEAM + "/boards/{board_id:int}/cards", cards, methods=["GET", "POST"]),
        Route(
            TEAM + "/boards/{board_id:int}/cards/{card_id:int}",
            card,
            methods=["GET", "PATCH", "DELETE"],
        ),
        Route("/api/cards/{card_id:int}", permalink),
        Route("/api/boards/{board_id:int}/activity", activity),
        Route("/api/card-moves", move_card, methods=["POST"]),
        Route("/api/admin/users", admin_users),
        Route("/api/admin/audit-log", audit_log),
    ],
    exception_handlers={HTTPException: http_error},
)

if __name__ == "__main__":
    seed()
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
