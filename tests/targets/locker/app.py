"""Locker: a gym-membership API whose token lifecycle is the practice ground (issue 9).

    python app.py PORT [--hardened]

Standard library only: one `BaseHTTPRequestHandler`, a (method, path regex) table, hand-made
HS256 JWTs, JSON:API-style bodies. Flaws (ground_truth.json) are on unless --hardened.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HARDENED = "--hardened" in sys.argv[2:]
KEY = secrets.token_bytes(32) if HARDENED else b"482915"
ACCESS_TTL, REFRESH_TTL, LEEWAY = 900, 7 * 86400, 30
MEMBERS: dict[str, dict[str, Any]] = {
    "ana@locker.example": {
        "id": "m-101",
        "name": "Ana Ruiz",
        "password": "Ana-lifts-2024",
        "plan": "gold",
    },
    "ben@locker.example": {
        "id": "m-102",
        "name": "Ben Okafor",
        "password": "Ben-runs-2024",
        "plan": "basic",
    },
}
SEEDED = frozenset(MEMBERS)
CLASSES = {
    "c-1": {"title": "Spin", "at": "07:00", "attendees": ["Ana", "Ben"]},
    "c-2": {"title": "Yoga", "at": "18:30", "attendees": ["Ana"]},
}
PLANS = [
    {"type": "plan", "id": "basic", "attributes": {"price": 19}},
    {"type": "plan", "id": "gold", "attributes": {"price": 39}},
]
EPOCH: dict[str, int] = {}  # e-mail -> password epoch (hardened: tokens of older epochs die)
USED: set[str] = set()  # rotated-away refresh jti values
ENDED: set[str] = set()  # hardened: ended sessions (a login and every refresh of it, `sid`)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(claims: dict[str, Any]) -> str:
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(KEY, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


def verify(token: str, use: str) -> dict[str, Any] | None:
    try:
        head, body, mac = token.split(".")
        good = hmac.new(KEY, f"{head}.{body}".encode(), hashlib.sha256).digest()
        claims: dict[str, Any] = json.loads(unb64(body))
        if json.loads(unb64(head)).get("alg") != "HS256" or not hmac.compare_digest(
            good, unb64(mac)
        ):
            return None
    except (ValueError, TypeError):
        return None
    if claims.get("use") != use or claims.get("sub") not in MEMBERS:
        return None
    if HARDENED:
        exp = claims.get("exp")
        if not isinstance(exp, int) or time.time() > exp + LEEWAY or claims.get("sid") in ENDED:
            return None
        if claims.get("epoch") != EPOCH.get(claims["sub"], 0):
            return None
    return claims


def issue(email: str, sid: str | None = None) -> dict[str, Any]:
    now, epoch, sid = int(time.time()), EPOCH.get(email, 0), sid or secrets.token_hex(6)
    access = {
        "sub": email,
        "use": "access",
        "iat": now,
        "jti": secrets.token_hex(8),
        "epoch": epoch,
        "sid": sid,
    }
    refresh = {
        "sub": email,
        "use": "refresh",
        "iat": now,
        "jti": secrets.token_hex(8),
        "epoch": epoch,
        "sid": sid,
    }
    if HARDENED:
        access["exp"], refresh["exp"] = now + ACCESS_TTL, now + REFRESH_TTL
    meta: dict[str, Any] = {"access": sign(access), "refresh": sign(refresh)}
    if HARDENED:
        meta.update(expires_in=ACCESS_TTL, refresh_expires_in=REFRESH_TTL)
    return {"meta": meta}


def profile(email: str) -> dict[str, Any]:
    m = MEMBERS[email]
    attributes = {"email": email, "name": m["name"], "plan": m["plan"], "role": "member"}
    return {"data": {"type": "member", "id": m["id"], "attributes": attributes}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status: int, document: Any = None) -> None:
        raw = b"" if document is None else json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.api+json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def fail(self, status: int, title: str) -> None:
        self.reply(status, {"errors": [{"status": str(status), "title": title}]})

    def body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            loaded = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def caller(self) -> dict[str, Any] | None:
        auth = self.headers.get("Authorization", "")
        return verify(auth[7:], "access") if auth.startswith("Bearer ") else None

    def handle_any(self) -> None:
        path = self.path.split("?")[0]
        for method, pattern, handler, needs_login in ROUTES:
            match = re.fullmatch(pattern, path)
            if method == self.command and match:
                claims = self.caller()
                if needs_login and claims is None:
                    return self.fail(401, "Unauthorized")
                return handler(self, claims, *match.groups())
        self.fail(404, "Not Found")

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def log_message(self, *args: Any) -> None:
        pass


def login(h: Handler, _c: Any) -> None:
    body = h.body()
    member = MEMBERS.get(str(body.get("email", "")).lower())
    if member is None or member["password"] != body.get("password"):
        return h.fail(401, "Invalid e-mail or password")
    h.reply(201, issue(str(body["email"]).lower()))


def logout(h: Handler, claims: dict[str, Any]) -> None:
    if HARDENED:
        ENDED.add(claims["sid"])  # the whole session: its access and refresh tokens
    h.reply(204)


def refresh(h: Handler, _c: Any) -> None:
    token = str(h.body().get("refresh_token", ""))
    claims = verify(token, "refresh")
    if claims is None:
        return h.fail(400, "invalid_grant")
    if not HARDENED:
        answer = issue(claims["sub"])
        answer["meta"]["refresh"] = token  # the same refresh token, forever
        return h.reply(200, answer)
    if claims["jti"] in USED:
        ENDED.add(claims["sid"])  # a replayed refresh token ends the whole family
        return h.fail(400, "invalid_grant")
    USED.add(claims["jti"])
    h.reply(200, issue(claims["sub"], claims["sid"]))


def signup(h: Handler, _c: Any) -> None:
    body = h.body()
    email, password = str(body.get("email", "")).lower(), str(body.get("password", ""))
    if "@" not in email or len(password) < 10 or email in MEMBERS:
        return h.fail(422, "email taken or password too short")
    MEMBERS[email] = {
        "id": f"m-{secrets.token_hex(3)}",
        "name": str(body.get("name", "New member")),
        "password": password,
        "plan": "basic",
    }
    h.reply(201, profile(email))


def change_password(h: Handler, claims: dict[str, Any]) -> None:
    body, email = h.body(), claims["sub"]
    if MEMBERS[email]["password"] != body.get("current_password"):
        return h.fail(403, "current password is wrong")
    if len(str(body.get("new_password", ""))) < 10:
        return h.fail(422, "new password too short")
    MEMBERS[email]["password"] = str(body["new_password"])
    if HARDENED:
        EPOCH[email] = EPOCH.get(email, 0) + 1  # every token of the old epoch dies
        h.reply(200, issue(email))  # this device gets a fresh pair
    else:
        h.reply(200, {"meta": {"changed": True}})


def delete_me(h: Handler, claims: dict[str, Any]) -> None:
    if claims["sub"] not in SEEDED:  # the demo members stay
        MEMBERS.pop(claims["sub"], None)
    h.reply(204)


def klass(h: Handler, _c: Any, class_id: str) -> None:
    found = CLASSES.get(class_id)
    if found is None:
        return h.fail(404, "Not Found")
    h.reply(200, {"data": {"type": "class", "id": class_id, "attributes": found}})


ROUTES = [
    ("POST", r"/v2/auth/tokens", login, False),
    ("DELETE", r"/v2/auth/tokens/current", logout, True),
    ("POST", r"/v2/auth/refresh", refresh, False),
    ("POST", r"/v2/members", signup, False),
    ("GET", r"/v2/me", lambda h, c: h.reply(200, profile(c["sub"])), True),
    ("DELETE", r"/v2/me", delete_me, True),
    ("PUT", r"/v2/me/password", change_password, True),
    ("GET", r"/v2/plans", lambda h, c: h.reply(200, {"data": PLANS}), False),
    ("GET", r"/v2/classes/(c-\d+)", klass, True),
    ("GET", r"/openapi\.json", lambda h, c: h.reply(200, SPEC), False),
]


SPEC = json.loads((Path(__file__).parent / "openapi.json").read_text())

if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
