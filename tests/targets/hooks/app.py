"""Hookline: a small webhook-delivery service (practice target `hooks`).

Standard library only, no HTTP library at all: HTTP/1.1 parsed by hand off `asyncio` streams
(`asyncio.start_server`), a `(method, regex) → function` route table. Sessions are cookies
(`hl_sid`) from `POST /api/login {"email", "password"}`. Flaws and decoys: ground_truth.json.

    python app.py PORT [--hardened]
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import secrets
import sys
import time
import uuid
from typing import Any

HARDENED = "--hardened" in sys.argv
DASHBOARD = "https://dash.hookline.example"
# bcrypt hashes of the demo passwords (cost 12), as the account store keeps them
ACCOUNTS: dict[str, dict[str, Any]] = {
    "a1f3": {
        "email": "alice@hookline.example",
        "name": "Alice Adams",
        "password": "Alice-hooks-2024",
        "pw_hash": "$2b$12$Kx0m1q8H2zQ7vW9rT3nY6uJpL4cD5eF6gH7iJ8kL9mN0oP1qR2sT3u",
    },
    "b7c2": {
        "email": "bob@hookline.example",
        "name": "Bob Brown",
        "password": "Bob-hooks-2024",
        "pw_hash": "$2b$12$Zy9x8w7v6u5t4s3r2q1p0OnMlKjIhGfEdCbA9z8y7x6w5v4u3t2s1r",
    },
}
HOOKS: dict[str, dict[str, Any]] = {
    "h01": {
        "owner": "a1f3",
        "url": "https://alice.example/hook",
        "signing_secret": "whsec_" + "4f9a1c7e2b8d6035af41c9e7",
    },
    "h02": {
        "owner": "b7c2",
        "url": "https://bob.example/hook",
        "signing_secret": "whsec_" + "8c3e5a1f7b9d2046ce83a5f1",
    },
}
PAYLOAD = b'{"event":"invoice.paid","amount":4200}'
DELIVERIES = {
    hook: [
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{hook}-{n}")),
            "status": 200,
            "payload_sha256": hashlib.sha256(PAYLOAD).hexdigest(),
        }
        for n in range(2)
    ]
    for hook in HOOKS
}
PUBLIC_KEY = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ3V4b2xpbmUtZGVtby1wdWJsaWMta2V5LW9ubHk\n"
    "-----END PUBLIC KEY-----\n"
)
SESSIONS: dict[str, str] = {}
FAILURES: dict[str, list[float]] = {}  # e-mail (or "*": the client) → failure times


def public_account(account_id: str) -> dict[str, Any]:
    record = ACCOUNTS[account_id]
    shown = {"id": account_id, "email": record["email"], "name": record["name"]}
    return shown if HARDENED else {**shown, "pw_hash": record["pw_hash"]}


class Handler:
    """One request, read off an asyncio stream by hand (no HTTP library), and its reply."""

    def __init__(self, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
        self.command, self.path, self.headers, self.body = method, target, headers, body
        self.answer = b""

    # ------------------------------------------------------------------ plumbing
    def reply(self, status: int, data: Any, extra: dict[str, str] | None = None) -> None:
        body = b"" if status == 204 else json.dumps(data).encode()
        head = [f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}", "Server: Hookline/1.0"]
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in (extra or {}).items()]
        self.answer = ("\r\n".join(head) + "\r\n\r\n").encode() + body

    def caller(self) -> str | None:
        cookie = self.headers.get("cookie") or ""
        match = re.search(r"(?:^|;\s*)hl_sid=([^;]+)", cookie)
        return SESSIONS.get(match.group(1)) if match else None

    def cors(self, reflect: bool) -> dict[str, str]:
        origin = self.headers.get("origin")
        if origin is None:
            return {}
        if reflect and not HARDENED:
            return {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Credentials": "true",
            }
        if origin == DASHBOARD:
            return {
                "Access-Control-Allow-Origin": DASHBOARD,
                "Access-Control-Allow-Credentials": "true",
                "Vary": "Origin",
            }
        return {"Vary": "Origin"}

    def dispatch(self) -> None:
        path = self.path.split("?", 1)[0]
        if self.command == "OPTIONS":
            allow = {
                "Access-Control-Allow-Methods": "GET",
                "Access-Control-Allow-Headers": "content-type",
            }
            self.reply(204, {}, {**self.cors(path == "/api/profile"), **allow})
            return
        for (method, pattern), handler in ROUTES.items():
            match = re.fullmatch(pattern, path)
            if method == self.command and match:
                handler(self, **match.groupdict())
                return
        self.reply(404, {"message": "no such route"})

    def needs_login(self) -> str | None:
        who = self.caller()
        if who is None:
            self.reply(
                401, {"message": "log in first"}, {"WWW-Authenticate": 'Cookie realm="hookline"'}
            )
        return who


REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
REASONS[429] = "Too Many Requests"


async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """HTTP/1.1 with keep-alive: request line, headers, a Content-Length body; no chunking."""
    try:
        while line := await reader.readline():
            method, target, _ = line.decode("latin-1").split(" ", 2)
            headers: dict[str, str] = {}
            while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = raw.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length") or 0))
            handler = Handler(method, target, headers, body)
            handler.dispatch()
            writer.write(
                handler.answer
                if method != "HEAD"
                else handler.answer.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
            )
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (ValueError, ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


def throttled(email: str) -> bool:
    """Hardened: 5 failures per e-mail in 15 min, 20 per client in 5 min, then 429."""
    now = time.monotonic()
    recent = [t for t in FAILURES.get(email, []) if now - t < 900]
    client = [t for t in FAILURES.get("*", []) if now - t < 300]
    return HARDENED and (len(recent) >= 5 or len(client) >= 20)


def login(h: Handler) -> None:
    try:
        data = json.loads(h.body or b"{}")
    except ValueError:
        h.reply(400, {"message": "send JSON"})
        return
    email = str(data.get("email")).strip().lower()  # one counter however it is spelt
    if throttled(email):
        h.reply(429, {"message": "too many attempts, try again later"}, {"Retry-After": "300"})
        return
    for account_id, record in ACCOUNTS.items():
        if record["email"] == data.get("email") and record["password"] == data.get("password"):
            sid = "hl." + secrets.token_urlsafe(24)
            SESSIONS[sid] = account_id
            cookie = f"hl_sid={sid}; HttpOnly; Path=/; SameSite=Lax"
            h.reply(
                200,
                {"session": sid, "account_id": account_id},
                {"Set-Cookie": cookie, "Cache-Control": "no-store"},
            )
            return
    for key in (email, "*"):
        FAILURES.setdefault(key, []).append(time.monotonic())
    h.reply(
        401, {"message": "wrong email or password"}, {"WWW-Authenticate": 'Cookie realm="hookline"'}
    )


def profile(h: Handler) -> None:
    who = h.needs_login()
    if who:
        shown = {k: v for k, v in public_account(who).items() if k != "pw_hash"}
        h.reply(200, shown, h.cors(reflect=True))


def status(h: Handler) -> None:
    h.reply(200, {"ok": True, "version": "1.0"}, h.cors(reflect=False))


def members(h: Handler) -> None:
    if h.needs_login():
        rows = [
            public_account(i) if HARDENED else {**public_account(i), "password": r["password"]}
            for i, r in ACCOUNTS.items()
        ]
        h.reply(200, [{k: v for k, v in row.items() if k != "pw_hash"} for row in rows])


def account(h: Handler, account_id: str) -> None:
    who = h.needs_login()
    if who is None:
        return
    if account_id != who:
        h.reply(404, {"message": "no such account"})
        return
    h.reply(200, public_account(account_id))


def hooks(h: Handler) -> None:
    who = h.needs_login()
    if who:
        mine = [{"id": i, **hook} for i, hook in HOOKS.items() if hook["owner"] == who]
        if HARDENED:
            mine = [
                {**hook, "signing_secret": "whsec_…" + hook["signing_secret"][-4:]} for hook in mine
            ]
        h.reply(200, mine)


def deliveries(h: Handler, hook_id: str) -> None:
    who = h.needs_login()
    if who and HOOKS.get(hook_id, {}).get("owner") == who:
        h.reply(200, DELIVERIES[hook_id])
    elif who:
        h.reply(404, {"message": "no such hook"})


def signing_key(h: Handler) -> None:
    h.reply(200, {"alg": "ES256", "public_key": PUBLIC_KEY})


def openapi(h: Handler) -> None:
    from openapi import SPEC

    h.reply(200, SPEC)


ROUTES: dict[tuple[str, str], Any] = {
    ("POST", r"/api/login"): login,
    ("GET", r"/api/profile"): profile,
    ("GET", r"/api/status"): status,
    ("GET", r"/api/team/members"): members,
    ("GET", r"/api/accounts/(?P<account_id>[0-9a-f]+)"): account,
    ("GET", r"/api/hooks"): hooks,
    ("GET", r"/api/hooks/(?P<hook_id>h\d+)/deliveries"): deliveries,
    ("GET", r"/api/keys/signing"): signing_key,
    ("GET", r"/openapi.json"): openapi,
}


async def main(port: int) -> None:
    server = await asyncio.start_server(serve_connection, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
