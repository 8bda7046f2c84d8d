"""Jotter: a small notes app with public profiles, as a standard-library WSGI application.

    python app.py PORT [--hardened]

Binds 127.0.0.1 only (wsgiref) and re-seeds its in-memory store on every start. Log in with a
form post to /session; the session lives in the `jotter_sid` cookie. Deliberately vulnerable
practice target for authsift: the flaws are listed in ground_truth.json; `--hardened` fixes
every one.
"""

from __future__ import annotations

import http.cookies
import json
import re
import secrets
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from seed import ATTACHMENTS, NOTES, REPORTS, USERS, password_hash

HARDENED = "--hardened" in sys.argv[2:]
COOKIE, SESSION_TTL = "jotter_sid", 12 * 3600
SESSIONS: dict[str, tuple[str, float]] = {}
SPEC = (Path(__file__).parent / "openapi.json").read_bytes()
Reply = tuple[int, Any, list[tuple[str, str]]]
STATUS = {200: "200 OK", 201: "201 Created", 204: "204 No Content", 400: "400 Bad Request",
          401: "401 Unauthorized", 403: "403 Forbidden", 404: "404 Not Found",
          405: "405 Method Not Allowed", 409: "409 Conflict"}  # fmt: skip


class Fail(Exception):
    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status, self.error = status, error


class Request:
    def __init__(self, environ: dict[str, Any]) -> None:
        self.method: str = environ["REQUEST_METHOD"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.raw: bytes = environ["wsgi.input"].read(length) if length else b""
        self.content_type: str = environ.get("CONTENT_TYPE", "")
        jar = http.cookies.SimpleCookie(environ.get("HTTP_COOKIE", ""))
        self.sid = jar[COOKIE].value if COOKIE in jar else ""
        session = SESSIONS.get(self.sid)
        alive = session is not None and session[1] > time.time()
        self.user: dict[str, Any] | None = USERS.get(session[0]) if session and alive else None

    def data(self) -> dict[str, Any]:
        if self.content_type.startswith("application/x-www-form-urlencoded"):
            return dict(urllib.parse.parse_qsl(self.raw.decode()))
        try:
            parsed = json.loads(self.raw or b"null")
        except ValueError:
            raise Fail(400, "invalid JSON") from None
        if not isinstance(parsed, dict):
            raise Fail(400, "expected a JSON object")
        return parsed

    def login_required(self) -> dict[str, Any]:
        if self.user is None:
            raise Fail(401, "not_authed")
        return self.user


def is_mod(user: dict[str, Any] | None) -> bool:
    return user is not None and user["role"] == "moderator"


def can_read(note: dict[str, Any], user: dict[str, Any] | None) -> bool:
    if user is not None and (user["username"] == note["owner"] or is_mod(user)):
        return True
    if note["draft"]:
        return False
    return note["visibility"] == "public" or (
        user is not None and user["username"] in note["shared_with"]
    )


def note_of(username: str, note_id: str) -> dict[str, Any]:
    note = NOTES.get(note_id)
    if note is None or note["owner"] != username:
        raise Fail(404, "note_not_found")
    return note


def note_out(note: dict[str, Any]) -> dict[str, Any]:
    files = [{"id": a, "filename": ATTACHMENTS[a]["filename"]} for a in note["attachments"]]
    hidden = ("revisions", "attachments")
    return {k: v for k, v in note.items() if k not in hidden} | {"attachments": files}


def account(user: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in user.items() if k not in ("password", "salt")}


def login_reply(user: dict[str, Any], status: int = 200) -> Reply:
    sid = secrets.token_urlsafe(32)
    SESSIONS[sid] = (user["username"], time.time() + SESSION_TTL)
    cookie = f"{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_TTL}"
    return status, {"ok": True, "user": account(user)}, [("Set-Cookie", cookie)]


def create_session(req: Request) -> Reply:
    data = req.data()
    user = USERS.get(str(data.get("username", "")))
    given = password_hash(str(data.get("password", "")), user["salt"] if user else "x")
    if user is None or not secrets.compare_digest(given, user["password"]):
        raise Fail(401, "invalid_auth")
    return login_reply(user)


def delete_session(req: Request) -> Reply:
    req.login_required()
    SESSIONS.pop(req.sid, None)
    return 200, {"ok": True}, [("Set-Cookie", f"{COOKIE}=; Path=/; Max-Age=0")]


def signup(req: Request) -> Reply:
    data = req.data()
    username, password = str(data.get("username", "")), str(data.get("password", ""))
    if not re.fullmatch(r"[a-z0-9_]{3,20}", username) or len(password) < 10:
        raise Fail(400, "invalid_username_or_password")
    if username in USERS:
        raise Fail(409, "username_taken")
    salt = secrets.token_hex(8)
    role = "user" if HARDENED else str(data.get("role", "user"))  # NT-05: role from the body
    name = str(data.get("display_name", username))
    USERS[username] = {"username": username, "display_name": name,
                       "email": str(data.get("email", "")), "bio": "", "role": role,
                       "joined": time.strftime("%Y-%m-%d"), "salt": salt,
                       "password": password_hash(password, salt)}  # fmt: skip
    return login_reply(USERS[username], 201)


def me(req: Request) -> Reply:
    user = req.login_required()
    if req.method == "PATCH":
        data = req.data()
        for key in ("display_name", "bio", "email"):
            if isinstance(data.get(key), str):
                user[key] = data[key]
    return 200, {"ok": True, "user": account(user)}, []


def profile(req: Request, username: str) -> Reply:
    user = USERS.get(username)
    if user is None:
        raise Fail(404, "user_not_found")
    public = sum(1 for n in NOTES.values() if n["owner"] == username and can_read(n, None))
    fields = ("username", "display_name", "bio", "joined")
    return 200, {"ok": True, "profile": {k: user[k] for k in fields} | {"public_notes": public}}, []


def notes(req: Request, username: str) -> Reply:
    if username not in USERS:
        raise Fail(404, "user_not_found")
    if req.method == "GET":
        mine = [
            note_out(n) for n in NOTES.values() if n["owner"] == username and can_read(n, req.user)
        ]
        return 200, {"ok": True, "notes": [n for n in mine if not n["draft"]]}, []
    if req.login_required()["username"] != username:
        raise Fail(403, "not_your_notebook")
    data = req.data()
    note_id = "n_" + secrets.token_urlsafe(6)[:8]
    NOTES[note_id] = {"id": note_id, "owner": username, "title": str(data.get("title", "")),
                      "body": str(data.get("body", "")), "draft": bool(data.get("draft", False)),
                      "visibility": "public" if data.get("visibility") == "public" else "private",
                      "shared_with": [], "attachments": [], "revisions": [],
                      "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}  # fmt: skip
    return 201, {"ok": True, "note": note_out(NOTES[note_id])}, []


def edit(note: dict[str, Any], data: dict[str, Any]) -> None:
    rev = {"rev": len(note["revisions"]) + 1, "title": note["title"], "body": note["body"]}
    note["revisions"].append(rev | {"at": note["updated"]})
    note["title"] = str(data.get("title", note["title"]))
    note["body"] = str(data.get("body", note["body"]))
    note["updated"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def note(req: Request, username: str, note_id: str) -> Reply:
    found = note_of(username, note_id)
    if req.method == "GET":
        if not can_read(found, req.user):
            raise Fail(404, "note_not_found")
        return 200, {"ok": True, "note": note_out(found)}, []
    user = req.login_required()
    allowed = user["username"] == username or (req.method == "DELETE" and is_mod(user))
    if not allowed:
        raise Fail(404, "note_not_found")
    if req.method == "DELETE":
        del NOTES[note_id]
        return 200, {"ok": True}, []
    edit(found, req.data())
    return 200, {"ok": True, "note": note_out(found)}, []


def revisions(req: Request, username: str, note_id: str) -> Reply:
    user = req.login_required()
    found = note_of(username, note_id)
    if HARDENED and not can_read(found, user):  # NT-01: the visibility rule was not applied
        raise Fail(404, "note_not_found")
    return 200, {"ok": True, "note_id": note_id, "revisions": found["revisions"]}, []


def drafts(req: Request, username: str) -> Reply:
    user = req.login_required()
    if HARDENED and user["username"] != username and not is_mod(user):  # NT-02
        raise Fail(403, "not_your_notebook")
    found = [note_out(n) for n in NOTES.values() if n["owner"] == username and n["draft"]]
    return 200, {"ok": True, "drafts": found}, []


def sync(req: Request) -> Reply:
    user = req.login_required()
    data = req.data()
    # NT-03: the body's `owner` picked the notebook; the hardened twin uses the session's user.
    owner = user["username"] if HARDENED else str(data.get("owner", user["username"]))
    found = note_of(owner, str(data.get("id", "")))
    edit(found, data)
    return 200, {"ok": True, "note": note_out(found)}, []


def set_role(req: Request, username: str) -> Reply:
    user = req.login_required()
    if HARDENED and not is_mod(user):  # NT-04: any session could change roles
        raise Fail(403, "moderators_only")
    target, role = USERS.get(username), req.data().get("role")
    if target is None:
        raise Fail(404, "user_not_found")
    if role not in ("user", "moderator"):
        raise Fail(400, "invalid_role")
    target["role"] = role
    return 200, {"ok": True, "username": username, "role": role}, []


def attachment(req: Request, attachment_id: str) -> Reply:
    found = ATTACHMENTS.get(attachment_id)
    if found is None or (HARDENED and not can_read(NOTES[found["note_id"]], req.user)):
        raise Fail(404, "file_not_found")  # NT-06: served like a static file, no session needed
    disposition = f'attachment; filename="{found["filename"]}"'
    return 200, found["data"], [("Content-Disposition", disposition)]


def reports(req: Request) -> Reply:
    if not is_mod(req.login_required()):
        raise Fail(403, "moderators_only")
    queue = [r | {"note": note_out(NOTES[r["note_id"]])} for r in REPORTS if r["note_id"] in NOTES]
    return 200, {"ok": True, "reports": queue}, []


def openapi(req: Request) -> Reply:
    return 200, SPEC, []


NAME, ID = r"(?P<username>[a-z0-9_]{2,20})", r"(?P<note_id>n_[A-Za-z0-9_-]{8})"
ROUTES: list[tuple[str, str, Callable[..., Reply]]] = [
    ("GET", r"/openapi\.json", openapi),
    ("POST", r"/session", create_session),
    ("DELETE", r"/session", delete_session),
    ("POST", r"/signup", signup),
    ("GET|PATCH", r"/me", me),
    ("GET", rf"/u/{NAME}", profile),
    ("GET|POST", rf"/u/{NAME}/notes", notes),
    ("GET|PUT|DELETE", rf"/u/{NAME}/notes/{ID}", note),
    ("GET", rf"/u/{NAME}/notes/{ID}/revisions", revisions),
    ("GET", rf"/u/{NAME}/drafts", drafts),
    ("PUT", rf"/u/{NAME}/role", set_role),
    ("POST", r"/sync/notes", sync),
    ("GET", r"/attachments/(?P<attachment_id>att_[A-Za-z0-9]{10})", attachment),
    ("GET", r"/admin/reports", reports),
]


def dispatch(req: Request, path: str) -> Reply:
    matched = [(m, h, r) for m, p, h in ROUTES if (r := re.fullmatch(p, path))]
    if not matched:
        raise Fail(404, "unknown_method")
    for methods, handler, match in matched:
        if req.method in methods.split("|"):
            return handler(req, **match.groupdict())
    raise Fail(405, "method_not_allowed")


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    req = Request(environ)
    try:
        status, payload, headers = dispatch(req, environ.get("PATH_INFO", "/"))
    except Fail as fail:
        status, payload, headers = fail.status, {"ok": False, "error": fail.error}, []
    if isinstance(payload, str):
        body, ctype = payload.encode(), "text/plain; charset=utf-8"
    else:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        ctype = "application/json"
    start_response(STATUS[status], [("Content-Type", ctype), *headers])
    return [body]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1])
    with make_server("127.0.0.1", port, app, ThreadingServer, QuietHandler) as server:
        server.serve_forever()
