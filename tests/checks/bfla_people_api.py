"""A small practice directory for authz-bfla-privileged-write, unlike the shop back office: JSON
logins with bearer tokens, answers wrapped in `{"ok": true, ...}` envelopes, no `/admin` paths
and no admin tags.

Flaws (only when `vulnerable`):
- `PUT /people/{username}/role` (moderator, member) checks the login, not the role. The admin
  sees an account only through its public profile `GET /people/{username}`, which shows no
  role: the change is visible in the account's own `GET /me`.
- `DELETE /appointments/{appointment_id}` lets any user cancel any appointment. Patients book
  appointments (`doctor_id` and a future `starts_at` required, no example in the spec); the
  admin may not book (403) but cancels any; the booking patient, its doctor and the admin may
  read and cancel it, everyone else gets 404.
- `PUT /teams/{team_id}/members/{user_id}` `{"role"}` lets any member change roles: its only
  targets are existing members, so it cannot be tested safely.
Decoy, the same in both twins: the doctor cancels the appointments booked with him.
vic is a real patient nobody configured: the scanner must never touch him or his appointments.
With `recycle`, a cancelled appointment's id goes at once to a walk-in booking of vic's, as an
API that reuses ids under concurrent use would: the scanner must not take it for its own.
"""

from __future__ import annotations

import datetime
import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

PASSWORDS = {"pat": "Pat-books-2024", "pia": "Pia-books-2024", "doc": "Doc-heals-2024"}
PASSWORDS |= {"root": "Root-runs-2024", "vic": "Vic-books-2024"}
ENV = {f"PEOPLE_{name.upper()}_PASSWORD": value for name, value in PASSWORDS.items()}
ROLES = {"pat": "member", "pia": "member", "doc": "doctor", "root": "admin", "vic": "member"}


@dataclass
class Clinic:
    vulnerable: bool
    recycle: bool = False
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10))
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    appointments: dict[int, dict[str, Any]] = field(default_factory=dict)
    members: dict[tuple[int, int], str] = field(default_factory=dict)
    cancelled_by: list[str] = field(default_factory=list)
    cancelled: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for number, (name, role) in enumerate(ROLES.items(), start=1):
            self.users[name] = {
                "id": number,
                "username": name,
                "email": f"{name}@people.example",
                "display_name": name.title(),
                "role": role,
                "password": PASSWORDS[name],
            }
        self.appointments[1] = {"id": 1, "patient": "vic", "doctor_id": 3, "reason": "checkup"}
        self.members = {(1, 1): "member", (1, 2): "member", (1, 4): "lead"}


def make_app(clinic: Clinic) -> web.Application:
    def fail(status: int, error: str) -> web.HTTPException:
        kinds = {401: web.HTTPUnauthorized, 403: web.HTTPForbidden, 404: web.HTTPNotFound}
        kind = kinds.get(status, web.HTTPBadRequest)
        return kind(text=f'{{"ok": false, "error": "{error}"}}', content_type="application/json")

    def caller(request: web.Request) -> dict[str, Any]:
        name = clinic.tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if name is None or name not in clinic.users:
            raise fail(401, "not_authed")
        return clinic.users[name]

    def account(user: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in user.items() if k != "password"}

    async def signup(request: web.Request) -> web.Response:
        body = await request.json()
        name, password = str(body.get("username", "")), str(body.get("password", ""))
        if not name or len(password) < 10 or name in clinic.users:
            raise fail(400, "invalid")
        clinic.users[name] = {
            "id": next(clinic.ids),
            "username": name,
            "email": str(body.get("email", "")),
            "display_name": str(body.get("display_name", name)),
            "role": "member",
            "password": password,
        }
        return web.json_response({"ok": True, "user": account(clinic.users[name])}, status=201)

    async def login(request: web.Request) -> web.Response:
        body = await request.json()
        user = next((u for u in clinic.users.values() if u["email"] == body.get("email")), None)
        if user is None or user["password"] != body.get("password"):
            raise fail(401, "invalid_auth")
        token = secrets.token_urlsafe(16)
        clinic.tokens[token] = user["username"]
        return web.json_response({"ok": True, "access_token": token})

    async def me(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "user": account(caller(request))})

    async def profile(request: web.Request) -> web.Response:
        caller(request)
        user = clinic.users.get(request.match_info["username"])
        if user is None:
            raise fail(404, "user_not_found")
        shown = {k: user[k] for k in ("username", "display_name")}
        return web.json_response({"ok": True, "profile": shown})

    async def set_role(request: web.Request) -> web.Response:
        if caller(request)["role"] != "admin" and not clinic.vulnerable:
            raise fail(403, "admins_only")
        user = clinic.users.get(request.match_info["username"])
        role = (await request.json()).get("role")
        if user is None or role not in ("member", "moderator"):
            raise fail(404 if user is None else 400, "invalid")
        user["role"] = role
        return web.json_response({"ok": True, "username": user["username"], "role": role})

    async def set_member(request: web.Request) -> web.Response:
        user = caller(request)
        team, member = int(request.match_info["team_id"]), int(request.match_info["user_id"])
        if (team, user["id"]) not in clinic.members:
            raise fail(404, "team_not_found")
        if clinic.members[(team, user["id"])] != "lead" and not clinic.vulnerable:
            raise fail(403, "leads_only")
        role = (await request.json()).get("role")
        if (team, member) not in clinic.members or role not in ("member", "lead"):
            raise fail(404, "invalid")
        clinic.members[(team, member)] = role
        return web.json_response({"ok": True, "role": role})

    def visible(user: dict[str, Any], appointment: dict[str, Any]) -> bool:
        doctor = user["role"] == "doctor" and appointment["doctor_id"] == user["id"]
        return user["role"] == "admin" or doctor or appointment["patient"] == user["username"]

    def appointment_of(request: web.Request) -> tuple[dict[str, Any], int]:
        user = caller(request)
        raw = request.match_info["appointment_id"]
        number = int(raw) if raw.isdigit() else -1
        if number not in clinic.appointments or not visible(user, clinic.appointments[number]):
            raise fail(404, "no_such_appointment")
        return user, number

    async def book(request: web.Request) -> web.Response:
        user = caller(request)
        if user["role"] != "member":
            raise fail(403, "patients_only")
        body = await request.json()
        doctor = next((u for u in clinic.users.values() if u["id"] == body.get("doctor_id")), None)
        try:
            when = datetime.datetime.fromisoformat(str(body.get("starts_at")))
        except ValueError:
            raise fail(400, "starts_at") from None
        if (
            doctor is None
            or doctor["role"] != "doctor"
            or when < datetime.datetime.now(when.tzinfo)
        ):
            raise fail(400, "doctor_id and a future starts_at are required")
        number = next(clinic.ids)
        clinic.appointments[number] = {
            "id": number,
            "patient": user["username"],
            "doctor_id": doctor["id"],
            "starts_at": when.isoformat(),
            "reason": str(body.get("reason", "")),
        }
        return web.json_response({"ok": True, **clinic.appointments[number]}, status=201)

    async def appointments(request: web.Request) -> web.Response:
        user = caller(request)
        mine = [a for a in clinic.appointments.values() if visible(user, a)]
        return web.json_response({"ok": True, "appointments": mine})

    async def appointment(request: web.Request) -> web.Response:
        return web.json_response(clinic.appointments[appointment_of(request)[1]])

    async def cancel(request: web.Request) -> web.Response:
        if clinic.vulnerable:
            user = caller(request)
            raw = request.match_info["appointment_id"]
            number = int(raw) if raw.isdigit() and int(raw) in clinic.appointments else -1
            if number < 0:
                raise fail(404, "no_such_appointment")
        else:
            user, number = appointment_of(request)
        clinic.cancelled.append(clinic.appointments.pop(number))
        clinic.cancelled_by.append(user["username"])
        if clinic.recycle:
            walk_in = {"id": number, "patient": "vic", "doctor_id": 3, "reason": "walk-in"}
            clinic.appointments[number] = walk_in
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/signup", signup)
    app.router.add_post("/auth/login", login)
    app.router.add_get("/me", me)
    app.router.add_get("/people/{username}", profile)
    app.router.add_put("/people/{username}/role", set_role)
    app.router.add_put("/teams/{team_id}/members/{user_id}", set_member)
    app.router.add_get("/appointments", appointments)
    app.router.add_post("/appointments", book)
    app.router.add_get("/appointments/{appointment_id}", appointment)
    app.router.add_delete("/appointments/{appointment_id}", cancel)
    return app
