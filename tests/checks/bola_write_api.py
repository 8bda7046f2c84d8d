"""A small team workspace API for authz-bola-write's "references anywhere" probes (issue 8).

Four kinds of write name an object somewhere else than at the end of the path, each with one
switch (`Workspace.vulnerable`): the flaw, or the hardened twin.
- `POST /holds/{hold_id}/cancel`: an owner's action after the id; holds cannot be deleted
  (the flaw: anyone cancels anyone's hold);
- `POST /card-moves {"card_id", "to_board_id"}`: the card in the body (the flaw: only the
  destination board is checked); teammates (alice and carol, team 1) edit each other's cards
  through `PATCH /teams/{team_id}/boards/{board_id}/cards/{card_id}` by design (a decoy);
- `POST /sync/notes {"owner", "id", "title", "body"}`: the owner in the body (the flaw: the
  body's owner picks the notebook); notes answer in an envelope `{"ok": true, "note": {…}}`;
- `PUT /profile {"username", "display_name", "bio"}`: the account in the body (the flaw: the
  body's user name picks the profile); `POST /signup` and `POST /login` make canary accounts,
  `DELETE /me` removes one;
- `DELETE /appointments/{appointment_id}`: a plain path write (the flaw: any logged-in user),
  whose create needs a real `doctor_id` (the spec's example names none: 400);
- `DELETE /teams/{team_id}/boards/{board_id}/cards/{card_id}`: the flaw checks membership of
  the path's team and deletes the card by id alone (bob, under his own team and board).

Identities: alice and carol (team 1), bob (team 2), ops (admin). The app records who changed
what (`Workspace.log`), so a test can tell that configured accounts were never written to.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN_ENV = {
    "ALICE_TOKEN": "tok-alice-2b7e19",
    "CAROL_TOKEN": "tok-carol-8c1d40",
    "BOB_TOKEN": "tok-bob-5f3a62",
    "OPS_TOKEN": "tok-ops-9e0c77",
}
BOARDS = {1: 1, 2: 1, 3: 2, 4: 2}  # board → team
DOCTORS = {7: "Dr Lee", 8: "Dr Okafor"}
BOOKS = {"b-11": "Dune", "b-12": "Emma"}


@dataclass
class Workspace:
    vulnerable: bool = True
    reuse_ids: bool = False  # a deleted card's id goes at once to someone else's new card
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # username → record
    tokens: dict[str, str] = field(default_factory=dict)  # token → username
    cards: dict[int, dict[str, Any]] = field(default_factory=dict)
    holds: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    appointments: dict[int, dict[str, Any]] = field(default_factory=dict)
    log: list[tuple[str, str, str]] = field(default_factory=list)  # (who, action, what)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))

    def __post_init__(self) -> None:
        for name, team, role in (
            ("alice", 1, "user"),
            ("carol", 1, "user"),
            ("bob", 2, "user"),
            ("ops", 0, "admin"),
        ):
            self.users[name] = {
                "username": name,
                "team_id": team,
                "role": role,
                "display_name": name.title(),
                "bio": f"{name}'s bio",
                "password": secrets.token_hex(8),
            }
            self.tokens[TOKEN_ENV[f"{name.upper()}_TOKEN"]] = name
        self.cards[1] = {"id": 1, "board_id": 1, "title": "alice's card", "author": "alice"}
        self.cards[2] = {"id": 2, "board_id": 3, "title": "bob's card", "author": "bob"}
        self.holds["h-1"] = {"id": "h-1", "member": "alice", "book": "b-11", "status": "waiting"}
        self.holds["h-2"] = {"id": "h-2", "member": "bob", "book": "b-12", "status": "waiting"}
        self.appointments[1] = {"id": 1, "patient": "alice", "doctor_id": 7, "reason": "check"}
        self.appointments[2] = {"id": 2, "patient": "bob", "doctor_id": 8, "reason": "check"}

    def scanner_objects(self) -> list[str]:
        """Everything still holding a canary string, but cancelled holds."""
        left = [f"card {c['id']}" for c in self.cards.values() if "canary" in str(c)]
        left += [f"note {n['id']}" for n in self.notes.values()]
        left += [f"appointment {a['id']}" for a in self.appointments.values() if a["id"] > 2]
        left += [f"hold {h['id']}" for h in self.holds.values() if h["id"] not in ("h-1", "h-2")]
        return left


def make_app(ws: Workspace) -> web.Application:
    def fail(status: int, message: str) -> web.HTTPException:
        kinds: dict[int, type[web.HTTPException]] = {
            400: web.HTTPBadRequest,
            401: web.HTTPUnauthorized,
            403: web.HTTPForbidden,
            404: web.HTTPNotFound,
            409: web.HTTPConflict,
        }
        body = f'{{"ok": false, "error": "{message}"}}'
        return kinds[status](text=body, content_type="application/json")

    def num(request: web.Request, name: str) -> int:
        value = request.match_info.get(name, "0")
        if not value.isdigit():
            raise fail(404, "not_found")
        return int(value)

    def caller(request: web.Request) -> dict[str, Any]:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        name = ws.tokens.get(token)
        if name is None or name not in ws.users:
            raise fail(401, "not_authed")
        return ws.users[name]

    def member(user: dict[str, Any], team_id: int) -> None:
        if user["role"] != "admin" and user["team_id"] != team_id:
            raise fail(404, "team_not_found")

    def public(user: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in user.items() if k != "password"}

    async def me(request: web.Request) -> web.Response:
        return web.json_response(public(caller(request)))

    async def delete_me(request: web.Request) -> web.Response:
        user = caller(request)
        if user["username"] in ("alice", "carol", "bob", "ops"):
            raise fail(403, "demo accounts stay")
        del ws.users[user["username"]]
        return web.Response(status=204)

    async def signup(request: web.Request) -> web.Response:
        data = await request.json()
        name = str(data.get("username", ""))
        if not name or len(str(data.get("password", ""))) < 10 or name in ws.users:
            raise fail(400, "invalid")
        ws.users[name] = {
            "username": name,
            "team_id": 0,
            "role": "user",
            "display_name": str(data.get("display_name", name)),
            "bio": "",
            "password": str(data["password"]),
        }
        return web.json_response(public(ws.users[name]), status=201)

    async def login(request: web.Request) -> web.Response:
        data = await request.json()
        user = ws.users.get(str(data.get("username", "")))
        if user is None or user["password"] != data.get("password"):
            raise fail(401, "invalid_auth")
        token = secrets.token_urlsafe(16)
        ws.tokens[token] = user["username"]
        return web.json_response({"access_token": token})

    async def profile(request: web.Request) -> web.Response:
        user = caller(request)
        data = await request.json()
        name = str(data.get("username", "")) if ws.vulnerable else user["username"]
        target = ws.users.get(name)
        if target is None:
            raise fail(404, "user_not_found")
        for key in ("display_name", "bio"):
            if isinstance(data.get(key), str):
                target[key] = data[key]
        ws.log.append((user["username"], "profile", name))
        return web.json_response(public(target))

    # ---- cards
    def card_in(request: web.Request, user: dict[str, Any]) -> dict[str, Any]:
        team, board = num(request, "team_id"), num(request, "board_id")
        member(user, team)
        if BOARDS.get(board) != team:
            raise fail(404, "board_not_found")
        card = ws.cards.get(num(request, "card_id"))
        if "card_id" in request.match_info and (card is None or card["board_id"] != board):
            raise fail(404, "card_not_found")
        return card or {}

    def card_out(card: dict[str, Any]) -> dict[str, Any]:
        return {**card, "team_id": BOARDS[card["board_id"]]}

    async def boards(request: web.Request) -> web.Response:
        team = num(request, "team_id")
        member(caller(request), team)
        return web.json_response([{"id": b, "team_id": t} for b, t in BOARDS.items() if t == team])

    async def board(request: web.Request) -> web.Response:
        team, board_id = num(request, "team_id"), num(request, "board_id")
        member(caller(request), team)
        if BOARDS.get(board_id) != team:
            raise fail(404, "board_not_found")
        return web.json_response({"id": board_id, "team_id": team})

    async def cards(request: web.Request) -> web.Response:
        user = caller(request)
        card_in(request, user)
        board_id = num(request, "board_id")
        if request.method == "GET":
            return web.json_response(
                [card_out(c) for c in ws.cards.values() if c["board_id"] == board_id]
            )
        data = await request.json()
        new = {"id": next(ws.ids), "board_id": board_id, "author": user["username"]}
        ws.cards[new["id"]] = new | {"title": str(data.get("title", ""))}
        return web.json_response(card_out(ws.cards[new["id"]]), status=201)

    async def card(request: web.Request) -> web.Response:
        user = caller(request)
        if request.method == "DELETE" and ws.vulnerable:  # the team is checked, not the card's
            member(user, num(request, "team_id"))
            gone = ws.cards.pop(num(request, "card_id"), None)
            if gone is None:
                raise fail(404, "card_not_found")
            ws.log.append((user["username"], "delete card", str(gone["id"])))
            return web.Response(status=204)
        found = card_in(request, user)
        if request.method == "PATCH":  # teammates edit each other's cards: by design
            data = await request.json()
            if isinstance(data.get("title"), str):
                found["title"] = data["title"]
                ws.log.append((user["username"], "edit card", str(found["id"])))
        elif request.method == "DELETE":
            del ws.cards[found["id"]]
            if ws.reuse_ids:  # carol's card takes the freed id (same board)
                ws.cards[found["id"]] = {**found, "title": "carol's card", "author": "carol"}
            return web.Response(status=204)
        return web.json_response(card_out(found))

    async def move(request: web.Request) -> web.Response:
        user = caller(request)
        data = await request.json()
        card = ws.cards.get(data.get("card_id"))
        target = data.get("to_board_id")
        if target not in BOARDS:
            raise fail(404, "board_not_found")
        member(user, BOARDS[target])
        if card is None:
            raise fail(404, "card_not_found")
        if not ws.vulnerable:
            member(user, BOARDS[card["board_id"]])
        card["board_id"] = target
        ws.log.append((user["username"], "move card", str(card["id"])))
        return web.json_response(card_out(card))

    # ---- holds (no DELETE: a hold ends cancelled)
    def hold_of(request: web.Request, user: dict[str, Any], owner_only: bool) -> dict[str, Any]:
        hold = ws.holds.get(request.match_info["hold_id"])
        if hold is None or (owner_only and hold["member"] != user["username"]):
            raise fail(404, "not_found")
        return hold

    async def holds(request: web.Request) -> web.Response:
        user = caller(request)
        if request.method == "GET":
            mine = [h for h in ws.holds.values() if h["member"] == user["username"]]
            return web.json_response({"data": mine, "meta": {"total": len(mine)}})
        data = await request.json()
        if data.get("book") not in BOOKS:
            raise fail(400, "invalid_book")
        hold_id = f"h-{next(ws.ids)}"
        ws.holds[hold_id] = {"id": hold_id, "member": user["username"], "book": data["book"]}
        ws.holds[hold_id]["status"] = "waiting"
        return web.json_response(ws.holds[hold_id], status=201)

    async def hold(request: web.Request) -> web.Response:
        return web.json_response(hold_of(request, caller(request), owner_only=True))

    async def cancel(request: web.Request) -> web.Response:
        user = caller(request)
        found = hold_of(request, user, owner_only=not ws.vulnerable)
        found["status"] = "cancelled"
        ws.log.append((user["username"], "cancel hold", found["id"]))
        return web.json_response(found)

    async def books(request: web.Request) -> web.Response:
        return web.json_response([{"id": k, "title": v} for k, v in BOOKS.items()])

    # ---- notes (envelopes)
    def note_of(owner: str, note_id: str) -> dict[str, Any]:
        note = ws.notes.get(note_id)
        if note is None or note["owner"] != owner:
            raise fail(404, "note_not_found")
        return note

    async def notes(request: web.Request) -> web.Response:
        user = caller(request)
        owner = request.match_info["username"]
        if user["username"] != owner:
            raise fail(403, "not_your_notebook")
        if request.method == "GET":
            mine = [n for n in ws.notes.values() if n["owner"] == owner]
            return web.json_response({"ok": True, "notes": mine})
        data = await request.json()
        note_id = f"n_{secrets.token_hex(4)}"
        ws.notes[note_id] = {"id": note_id, "owner": owner, "title": str(data.get("title", ""))}
        ws.notes[note_id]["body"] = str(data.get("body", ""))
        return web.json_response({"ok": True, "note": ws.notes[note_id]}, status=201)

    async def note(request: web.Request) -> web.Response:
        user = caller(request)
        owner = request.match_info["username"]
        found = note_of(owner, request.match_info["note_id"])
        if user["username"] != owner:
            raise fail(404, "note_not_found")
        if request.method == "DELETE":
            del ws.notes[found["id"]]
            return web.json_response({"ok": True})
        if request.method == "PUT":
            data = await request.json()
            found.update({k: str(data[k]) for k in ("title", "body") if k in data})
        return web.json_response({"ok": True, "note": found})

    async def sync(request: web.Request) -> web.Response:
        user = caller(request)
        data = await request.json()
        owner = str(data.get("owner")) if ws.vulnerable else user["username"]
        found = note_of(owner, str(data.get("id", "")))
        found.update({k: str(data[k]) for k in ("title", "body") if k in data})
        ws.log.append((user["username"], "sync note", found["id"]))
        return web.json_response({"ok": True, "note": found})

    # ---- appointments
    async def appointments(request: web.Request) -> web.Response:
        user = caller(request)
        if request.method == "GET":
            mine = [a for a in ws.appointments.values() if a["patient"] == user["username"]]
            return web.json_response(mine)
        data = await request.json()
        if data.get("doctor_id") not in DOCTORS or not data.get("starts_at"):
            raise fail(400, "doctor_id and starts_at are required")
        new = {"id": next(ws.ids), "patient": user["username"], "doctor_id": data["doctor_id"]}
        new |= {"reason": str(data.get("reason", "")), "starts_at": data["starts_at"]}
        ws.appointments[new["id"]] = new
        return web.json_response(new, status=201)

    async def appointment(request: web.Request) -> web.Response:
        user = caller(request)
        found = ws.appointments.get(num(request, "appointment_id"))
        if found is None:
            raise fail(404, "not_found")
        if request.method == "DELETE" and ws.vulnerable:
            del ws.appointments[found["id"]]
            ws.log.append((user["username"], "cancel appointment", str(found["id"])))
            return web.Response(status=204)
        if found["patient"] != user["username"]:
            raise fail(404, "not_found")
        if request.method == "DELETE":
            del ws.appointments[found["id"]]
            return web.Response(status=204)
        return web.json_response(found)

    app = web.Application()
    team = "/teams/{team_id}/boards"
    routes = [
        ("GET", "/me", me),
        ("DELETE", "/me", delete_me),
        ("POST", "/signup", signup),
        ("POST", "/login", login),
        ("PUT", "/profile", profile),
        ("GET", team, boards),
        ("GET", team + "/{board_id}", board),
        ("*", team + "/{board_id}/cards", cards),
        ("*", team + "/{board_id}/cards/{card_id}", card),
        ("POST", "/card-moves", move),
        ("*", "/holds", holds),
        ("GET", "/holds/{hold_id}", hold),
        ("POST", "/holds/{hold_id}/cancel", cancel),
        ("GET", "/books", books),
        ("*", "/users/{username}/notes", notes),
        ("*", "/users/{username}/notes/{note_id}", note),
        ("POST", "/sync/notes", sync),
        ("*", "/appointments", appointments),
        ("*", "/appointments/{appointment_id}", appointment),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, handler)
    return app
