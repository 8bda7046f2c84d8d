"""Ferrylink: ferry tickets and loyalty accounts (standard library http.server, no framework).

    python app.py PORT [--hardened]

Binds 127.0.0.1 only; in-memory data, re-seeded on every start. See ground_truth.json for the
flaws (user enumeration on login, sign-up, password reset and a public lookup; no login
throttling) and the decoys; `--hardened` answers uniformly everywhere and throttles logins.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HARDENED = "--hardened" in sys.argv[2:]
ITERATIONS = 60_000  # PBKDF2-SHA256: ~30 ms a check
SALT = b"ferrylink-demo-salt"
LOCK = threading.Lock()


def digest(password: str) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), SALT, ITERATIONS)


ACCOUNTS: dict[str, dict[str, Any]] = {
    login: {"login": login, "email": email, "hash": digest(password), "points": points}
    for login, email, password, points in (
        ("ines", "ines@ferrylink.example", "Ines-sails-2024", 120),
        ("tomas", "tomas@ferrylink.example", "Tomas-rows-2024", 40),
        ("deckhand", "deckhand@ferrylink.example", "Deckhand-spare-2024", 0),
        ("olga", "olga@ferrylink.example", "Olga-cruises-2024", 990),
    )
}
PORTS = {"HEL": "Helsinki", "TLL": "Tallinn", "STO": "Stockholm"}
SESSIONS: dict[str, str] = {}
FAILURES: dict[str, list[float]] = {}  # "account:<login>" / "client:<ip>" → failure times
DUMMY = digest("not-a-real-password")


def recent(key: str) -> list[float]:
    now = time.monotonic()
    FAILURES[key] = [t for t in FAILURES.get(key, []) if t > now - 60]
    return FAILURES[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.api+json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def error(self, status: int, code: str, title: str, **headers: str) -> None:
        self.send(
            status, {"errors": [{"status": str(status), "code": code, "title": title}]}, headers
        )

    def body(self) -> dict[str, Any]:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if "form-urlencoded" in (self.headers.get("Content-Type") or ""):
            return dict(urllib.parse.parse_qsl(raw))
        try:
            value = json.loads(raw or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def caller(self) -> dict[str, Any] | None:
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        return ACCOUNTS.get(SESSIONS.get(token, ""))

    def route(self, method: str) -> None:
        path = urllib.parse.urlsplit(self.path).path
        parts = path.strip("/").split("/")
        handlers = {
            ("POST", "/api/login"): self.login,
            ("GET", "/api/me"): self.me,
            ("POST", "/api/accounts"): self.sign_up,
            ("POST", "/api/password-resets"): self.reset,
            ("POST", "/api/account-recovery"): self.recovery,
            ("GET", "/openapi.json"): lambda: self.send(200, openapi()),
        }
        if (method, path) in handlers:
            handlers[(method, path)]()
        elif (
            method == "GET"
            and len(parts) == 4
            and parts[:2] == ["api", "logins"]
            and parts[3] == "availability"
        ):
            self.availability(urllib.parse.unquote(parts[2]))
        elif method == "GET" and len(parts) == 3 and parts[:2] == ["api", "ports"]:
            code = parts[2].upper()
            if code in PORTS:
                self.send(200, {"data": {"code": code, "name": PORTS[code]}})
            else:
                self.error(404, "unknown_port", "No such port")
        else:
            self.error(404, "not_found", "Not found")

    def do_GET(self) -> None:
        self.route("GET")

    def do_POST(self) -> None:
        self.route("POST")

    def login(self) -> None:
        form = self.body()
        login, password = str(form.get("login", "")).strip().lower(), str(form.get("password", ""))
        keys = (f"account:{login}", f"client:{self.client_address[0]}")
        headers: dict[str, str] = {}
        if HARDENED:
            with LOCK:
                left = min(10 - len(recent(keys[0])), 30 - len(recent(keys[1])))
            headers["RateLimit-Policy"] = '"login";q=30;w=60'
            headers["RateLimit"] = f'"login";r={max(left, 0)};t=60'
            if left <= 0:
                return self.error(
                    429, "slow_down", "Too many attempts", **headers, **{"Retry-After": "60"}
                )
        account = ACCOUNTS.get(login)
        if account is None:
            if HARDENED:
                secrets.compare_digest(digest(password), DUMMY)
        elif secrets.compare_digest(digest(password), account["hash"]):
            token = "fl_" + secrets.token_urlsafe(24)
            SESSIONS[token] = login
            return self.send(200, {"data": {"token": token, "expires_in": 3600}}, headers)
        with LOCK:
            for key in keys:
                recent(key).append(time.monotonic())
        if account is None and not HARDENED:
            return self.error(401, "unknown_login", "No account with this login", **headers)
        return self.error(
            401,
            "bad_credentials" if HARDENED else "bad_password",
            "Login or password is wrong" if HARDENED else "Wrong password",
            **headers,
        )

    def me(self) -> None:
        account = self.caller()
        if account is None:
            return self.error(401, "no_session", "Log in first")
        self.send(200, {"data": {k: account[k] for k in ("login", "email", "points")}})

    def sign_up(self) -> None:
        form = self.body()
        login, email = str(form.get("login", "")).strip().lower(), str(form.get("email", ""))
        password = str(form.get("password", ""))
        if not login or "@" not in email or len(password) < 8:
            return self.error(422, "invalid", "login, email and a password of 8+ characters")
        taken = login in ACCOUNTS or any(a["email"] == email for a in ACCOUNTS.values())
        if taken and not HARDENED:
            return self.error(409, "login_taken", "This login is already taken")
        if not taken:
            ACCOUNTS[login] = {
                "login": login,
                "email": email,
                "hash": digest(password),
                "points": 0,
            }
            if not HARDENED:
                return self.send(201, {"data": {"login": login, "email": email, "points": 0}})
        self.send(202, {"meta": {"message": "Check your e-mail to finish signing up"}})

    def reset(self) -> None:
        email = str(self.body().get("email", "")).strip().lower()
        known = any(a["email"] == email for a in ACCOUNTS.values())
        headers = {}
        if known or HARDENED:
            headers["Set-Cookie"] = f"reset_flow={secrets.token_hex(8)}; Path=/; HttpOnly"
        self.send(
            202,
            {"meta": {"message": "If the address is ours, a reset link is on its way"}},
            headers,
        )

    def recovery(self) -> None:
        self.body()
        self.send(202, {"meta": {"message": "If the address is ours, your login is on its way"}})

    def availability(self, login: str) -> None:
        if HARDENED and self.caller() is None:
            return self.error(401, "no_session", "Log in first")
        self.send(200, {"data": {"login": login, "available": login.lower() not in ACCOUNTS}})


def openapi() -> dict[str, Any]:
    def body(kind: str, **props: str) -> dict[str, Any]:
        schema = {
            "type": "object",
            "required": list(props),
            "properties": {
                k: {"type": "string", **({"format": v} if v else {})} for k, v in props.items()
            },
        }
        return {"required": True, "content": {kind: {"schema": schema}}}

    json_kind, form_kind = "application/json", "application/x-www-form-urlencoded"
    ok = {"200": {"description": "OK"}}
    public = {"security": [], "responses": ok}
    path_param = [{"name": "login", "in": "path", "required": True, "schema": {"type": "string"}}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "Ferrylink", "version": "2.3"},
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
        "security": [{"token": []}],
        "paths": {
            "/api/login": {
                "post": {
                    **public,
                    "tags": ["auth"],
                    "requestBody": body(form_kind, login="", password="password"),
                }
            },
            "/api/me": {"get": {"responses": ok}},
            "/api/accounts": {
                "post": {
                    **public,
                    "tags": ["registration"],
                    "requestBody": body(json_kind, login="", email="email", password="password"),
                }
            },
            "/api/password-resets": {
                "post": {**public, "requestBody": body(json_kind, email="email")}
            },
            "/api/account-recovery": {
                "post": {**public, "requestBody": body(json_kind, email="email")}
            },
            "/api/logins/{login}/availability": {"get": {**public, "parameters": path_param}},
            "/api/ports/{code}": {
                "get": {
                    **public,
                    "parameters": [
                        {
                            "name": "code",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                }
            },
        },
    }


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8331
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
