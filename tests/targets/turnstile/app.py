"""Turnstile: the sign-in service of a small SaaS, three ways in, one throttle each.

    python app.py PORT [--hardened]

Standard library only (http.server). Accounts and counters live in memory and start fresh.
The web sign-in (`POST /v2/signin`, JSON `login`/`passwd`) forgot its throttle; the mobile
login (`POST /v2/mobile/authenticate`) throttles per client but takes the client from
X-Forwarded-For; the partner token endpoint (`POST /v2/partner/token`, a form) throttles per
account and per client, properly. `--hardened` fixes the first two. See ground_truth.json.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HARDENED = "--hardened" in sys.argv[2:]
WINDOW = 60.0
SALT = b"turnstile-demo-salt"


def _hash(password: str) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), SALT, 20_000)


ACCOUNTS = {  # login → (password hash, display name)
    "ivy@turnstile.example": (_hash("Ivy-signs-in-2024"), "Ivy Ito"),
    "max@turnstile.example": (_hash("Max-signs-in-2024"), "Max Mayer"),
    "partner-acme": (_hash("Acme-partner-2024!"), "Acme integration"),
}
DUMMY = _hash("no such account, same cost")
TOKENS: dict[str, str] = {}  # token → login


class Counter:
    """Failures per key in a sliding window."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.events: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        events = self.events[key]
        while events and events[0] <= time.monotonic() - WINDOW:
            events.popleft()
        return events

    def blocked(self, key: str) -> int | None:
        with self.lock:
            events = self._recent(key)
            if len(events) < self.limit:
                return None
            return max(1, int(events[0] + WINDOW - time.monotonic()) + 1)

    def fail(self, key: str) -> None:
        with self.lock:
            self._recent(key).append(time.monotonic())


SIGNIN_ACCOUNT, SIGNIN_CLIENT = Counter(5), Counter(20)
MOBILE_CLIENT = Counter(5)
PARTNER_ACCOUNT, PARTNER_CLIENT = Counter(5), Counter(10)


def check_password(login: str, password: str) -> bool:
    stored = ACCOUNTS.get(login.strip().lower())
    digest = _hash(password)
    return hmac.compare_digest(stored[0] if stored else DUMMY, digest) and stored is not None


def issue(login: str) -> dict[str, Any]:
    token = "ts_" + secrets.token_urlsafe(24)
    TOKENS[token] = login.strip().lower()
    return {"access_token": token, "token_type": "Bearer", "expires_in": 900}


class Handler(BaseHTTPRequestHandler):
    server_version = "turnstile/2"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # ------------------------------------------------------------------ plumbing
    def reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def body(self) -> dict[str, Any] | None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        kind = self.headers.get("Content-Type", "")
        try:
            if "x-www-form-urlencoded" in kind:
                return dict(urllib.parse.parse_qsl(raw))
            value = json.loads(raw or "null")
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def peer(self) -> str:
        return self.client_address[0]

    def route(self, method: str) -> None:
        path = urllib.parse.urlsplit(self.path).path
        handler = ROUTES.get((method, path))
        if handler is None:
            self.reply(404, {"status": "not_found", "detail": "No such route."})
        else:
            handler(self)

    def do_GET(self) -> None:
        self.route("GET")

    def do_POST(self) -> None:
        self.route("POST")

    # ------------------------------------------------------------------ routes
    def signin(self) -> None:
        data = self.body()
        if not data or not isinstance(data.get("login"), str) or "passwd" not in data:
            return self.reply(400, {"status": "bad_request", "detail": "login and passwd needed"})
        login, account = data["login"], data["login"].strip().lower()
        if HARDENED:  # TS-01 fixed: per account and per client
            wait = SIGNIN_ACCOUNT.blocked(account) or SIGNIN_CLIENT.blocked(self.peer())
            if wait:
                detail = "Too many attempts."
                return self.reply(
                    429, {"status": "throttled", "detail": detail}, {"Retry-After": str(wait)}
                )
        if check_password(login, str(data["passwd"])):
            return self.reply(200, issue(login))
        SIGNIN_ACCOUNT.fail(account)
        SIGNIN_CLIENT.fail(self.peer())
        self.reply(401, {"status": "denied", "detail": "Wrong login or password."})

    def mobile(self) -> None:
        data = self.body()
        if not data or not isinstance(data.get("login"), str) or "passwd" not in data:
            return self.reply(400, {"status": "bad_request", "detail": "login and passwd needed"})
        client = self.peer()
        forwarded = self.headers.get("X-Forwarded-For")
        if forwarded and not HARDENED:  # TS-02: "the load balancer sets it"
            client = forwarded.split(",")[0].strip()
        if MOBILE_CLIENT.blocked(client):
            detail = "Too many failed attempts. Try again in 60 seconds."
            return self.reply(403, {"status": "blocked", "detail": detail})
        if check_password(data["login"], str(data["passwd"])):
            return self.reply(200, issue(data["login"]))
        MOBILE_CLIENT.fail(client)
        self.reply(401, {"status": "denied", "detail": "Wrong login or password."})

    def partner(self) -> None:
        data = self.body()
        if not data or data.get("grant_type") != "password" or "username" not in data:
            return self.reply(400, {"error": "invalid_request"})
        account = str(data["username"]).strip().lower()
        wait = PARTNER_ACCOUNT.blocked(account) or PARTNER_CLIENT.blocked(self.peer())
        if wait:
            return self.reply(429, {"error": "slow_down"}, {"Retry-After": str(wait)})
        if check_password(account, str(data.get("password", ""))):
            return self.reply(200, issue(account))
        PARTNER_ACCOUNT.fail(account)
        PARTNER_CLIENT.fail(self.peer())
        self.reply(400, {"error": "invalid_grant"})

    def me(self) -> None:
        token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        login = TOKENS.get(token)
        if login is None:
            return self.reply(401, {"status": "unauthenticated", "detail": "Bearer token needed."})
        self.reply(200, {"login": login, "name": ACCOUNTS[login][1]})

    def openapi(self) -> None:
        self.reply(200, OPENAPI)


ROUTES = {
    ("POST", "/v2/signin"): Handler.signin,
    ("POST", "/v2/mobile/authenticate"): Handler.mobile,
    ("POST", "/v2/partner/token"): Handler.partner,
    ("GET", "/v2/me"): Handler.me,
    ("GET", "/openapi.json"): Handler.openapi,
}


def _login_op(fields: dict[str, Any], required: list[str], form: bool = False) -> dict[str, Any]:
    kind = "application/x-www-form-urlencoded" if form else "application/json"
    schema = {"type": "object", "required": required, "properties": fields}
    return {
        "post": {
            "security": [],
            "requestBody": {"required": True, "content": {kind: {"schema": schema}}},
            "responses": {"200": {"description": "A bearer token"}, "401": {"description": "No"}},
        }
    }


_JSON_LOGIN = {"login": {"type": "string", "format": "email"}, "passwd": {"type": "string"}}
OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "Turnstile", "version": "2.0"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/v2/signin": _login_op(_JSON_LOGIN, ["login", "passwd"]),
        "/v2/mobile/authenticate": _login_op(_JSON_LOGIN, ["login", "passwd"]),
        "/v2/partner/token": _login_op(
            {
                "grant_type": {"type": "string", "enum": ["password"]},
                "username": {"type": "string"},
                "password": {"type": "string"},
            },
            ["grant_type", "username", "password"],
            form=True,
        ),
        "/v2/me": {"get": {"responses": {"200": {"description": "The caller"}}}},
    },
}


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8341
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
