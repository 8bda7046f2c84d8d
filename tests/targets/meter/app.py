"""Meterly: weather-station telemetry with per-account API keys (raw asyncio streams, stdlib).

    python app.py PORT [--hardened]

People sign in (`POST /v2/login`) and manage keys; integrations call with `X-Meter-Key`. HTTP/1.1
is parsed by hand over `asyncio.start_server` (keep-alive, Content-Length bodies only). The flaws
of ground_truth.json are switched off by --hardened; the decoys are the same in both. Binds
127.0.0.1 only; everything lives in memory and is re-seeded on every start.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import secrets
import sys
import time
from base64 import urlsafe_b64encode
from collections import defaultdict
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from openapi import SPEC

FLAWED = "--hardened" not in sys.argv[2:]
SESSION_SECONDS = 8 * 3600


def demo_key(label: str) -> str:
    """Seeded keys are derived from a label so the scanner config can name them (demo data)."""
    digest = hashlib.sha256(f"meterly-demo-{label}".encode()).digest()
    return "mtr_" + urlsafe_b64encode(digest).rstrip(b"=").decode()


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class Key:
    id: str
    name: str
    scopes: set[str]


OWNER = {"email": "olga@meterly.example", "name": "Olga Petrova", "phone": "+44 20 7946 0018"}
PASSWORD = "Olga-meters-2024"
STATIONS = [
    {"id": "st-harbour", "name": "Harbour mast", "lat": 50.37, "lon": -4.14},
    {"id": "st-moor", "name": "Moor ridge", "lat": 50.56, "lon": -3.99},
]
KEYS: dict[str, Key] = {  # SHA-256 of the key → key record
    digest(demo_key("reporting")): Key("key_01", "reporting (read)", {"read"}),
    digest(demo_key("ingest")): Key("key_02", "ingest (read+write)", {"read", "write"}),
}
EMBED_KEY = "pk_" + hashlib.sha256(b"meterly-demo-embed").hexdigest()
SESSIONS: dict[str, float] = {}
FAILURES: defaultdict[str, list[float]] = defaultdict(list)  # account or client → failure times
ALERTS: dict[str, dict[str, object]] = {
    "al_5e1d": {"id": "al_5e1d", "station": "st-moor", "metric": "wind", "above": 30.0}
}


class Refused(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def caller(handler: Request, *, keys: bool = True) -> set[str]:
    """The caller's scopes: a signed-in person has all; a key has its own."""
    auth = handler.headers.get("authorization", "")
    if auth.startswith("Session "):
        expires = SESSIONS.get(auth[len("Session ") :])
        if expires is None or expires < time.time():
            raise Refused(401, "session expired or unknown")
        return {"read", "write"}
    presented = handler.headers.get("x-meter-key")
    if presented is None and FLAWED:
        presented = handler.query.get("key")  # MT-01: "for dashboards that cannot set headers"
    if presented is None:
        raise Refused(401, "sign in or send X-Meter-Key")
    record = KEYS.get(digest(presented))  # the whole key, hashed: no prefix or case games
    if record is None:
        raise Refused(401, "invalid key")
    if not keys:
        raise Refused(403, "API keys cannot do this; sign in")
    return record.scopes


def need(scopes: set[str], scope: str) -> None:
    if scope not in scopes:
        raise Refused(403, f"this key lacks the {scope} scope")


def throttle(key: str, limit: int, now: float) -> None:
    """Hardened (MT-04): `limit` failures in 60 s close the door; attempts meanwhile keep it
    closed. Checked per client before the body is even parsed, then per account."""
    if not FLAWED and len([t for t in FAILURES[key] if now - t < 60]) >= limit:
        FAILURES[key].append(now)
        raise Refused(429, "too many failed sign-ins; try again later", {"Retry-After": "60"})


def login(h: Request) -> tuple[int, object]:
    now = time.time()
    throttle(h.peer, 10, now)
    body = h.json()
    who = str(body.get("email", "")).strip().lower()
    throttle(who, 5, now)
    if body.get("email") != OWNER["email"] or body.get("password") != PASSWORD:
        FAILURES[who].append(now)
        FAILURES[h.peer].append(now)
        raise Refused(401, "wrong e-mail or password")
    token = secrets.token_urlsafe(24)
    SESSIONS[token] = time.time() + SESSION_SECONDS
    return 200, {"session": token, "expires_in": SESSION_SECONDS}


def account(h: Request) -> tuple[int, object]:
    caller(h, keys=FLAWED)  # MT-03: hardened, the profile is for signed-in people only
    return 200, {"account_id": "acc_9f3c2a71", "plan": "pro", "owner": OWNER}


def stations(h: Request) -> tuple[int, object]:
    need(caller(h), "read")
    return 200, STATIONS


def readings(h: Request, station: str) -> tuple[int, object]:
    need(caller(h), "read")
    if station not in {s["id"] for s in STATIONS}:
        raise Refused(404, "no such station")
    rows = [{"hour": f"2026-01-05T{n:02d}:00Z", "temp_c": 7.5 + n / 10} for n in range(6)]
    return 200, {"station": station, "readings": rows}


def create_alert(h: Request) -> tuple[int, object]:
    who = caller(h)
    if not FLAWED:  # MT-02: the flawed create checks only that the key is active
        need(who, "write")
    body = h.json()
    if body.get("station") not in {s["id"] for s in STATIONS}:
        raise Refused(422, "station must be one of your stations")
    alert = {
        "id": "al_" + secrets.token_hex(2),
        "station": body["station"],
        "metric": str(body.get("metric", "temp")),
        "above": float(body.get("above", 0)),
    }
    ALERTS[str(alert["id"])] = alert
    return 201, alert


def alert(h: Request, alert_id: str) -> tuple[int, object]:
    need(caller(h), "read")
    if alert_id not in ALERTS:
        raise Refused(404, "no such alert")
    return 200, ALERTS[alert_id]


def delete_alert(h: Request, alert_id: str) -> tuple[int, object]:
    who = caller(h)
    if not FLAWED:
        need(who, "write")
    if ALERTS.pop(alert_id, None) is None:
        raise Refused(404, "no such alert")
    return 204, None


def issue_key(h: Request) -> tuple[int, object]:
    caller(h, keys=False)
    body = h.json()
    scopes = {s for s in body.get("scopes", ["read"]) if s in {"read", "write"}} or {"read"}
    value = "mtr_" + secrets.token_urlsafe(32)
    record = Key("key_" + secrets.token_hex(4), str(body.get("name", "key"))[:60], scopes)
    KEYS[digest(value)] = record
    return 201, {"id": record.id, "name": record.name, "scopes": sorted(scopes), "key": value}


def revoke_key(h: Request, key_id: str) -> tuple[int, object]:
    caller(h, keys=False)
    for hashed, record in list(KEYS.items()):
        if record.id == key_id:
            del KEYS[hashed]  # no cache: the next request with it fails
            return 204, None
    raise Refused(404, "no such key")


def embed(h: Request) -> tuple[int, object]:
    if h.query.get("embed_key") != EMBED_KEY:  # publishable, read-only, documented in the query
        raise Refused(401, "embed_key required")
    latest = {"station": "st-harbour", "temp_c": 8.0, "hour": "2026-01-05T05:00Z"}
    return 200, {"widget": "current-conditions", "latest": latest}


ROUTES = [
    ("GET", r"/openapi\.json", lambda h: (200, SPEC)),
    ("POST", r"/v2/login", login),
    ("GET", r"/v2/account", account),
    ("GET", r"/v2/stations", stations),
    ("GET", r"/v2/stations/([\w-]+)/readings", readings),
    ("POST", r"/v2/alerts", create_alert),
    ("GET", r"/v2/alerts/(\w+)", alert),
    ("DELETE", r"/v2/alerts/(\w+)", delete_alert),
    ("POST", r"/v2/keys", issue_key),
    ("DELETE", r"/v2/keys/(\w+)", revoke_key),
    ("GET", r"/v2/embed", embed),
]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    peer: str

    def json(self) -> dict[str, object]:
        try:
            body = json.loads(self.body or b"{}")
        except ValueError:
            raise Refused(400, "body must be JSON") from None
        if not isinstance(body, dict):
            raise Refused(400, "body must be a JSON object")
        return body


def dispatch(request: Request) -> tuple[int, object, dict[str, str]]:
    status, payload = 404, {"message": "not found"}
    for verb, pattern, handler in ROUTES:
        match = re.fullmatch(pattern, request.path)
        if match and verb == request.method:
            try:
                status, payload = handler(request, *match.groups())
            except Refused as refused:
                return refused.status, {"message": refused.message}, refused.headers
            break
        if match:
            status, payload = 405, {"message": "method not allowed"}
    return status, payload, {}


async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    peer = str(writer.get_extra_info("peername")[0])
    try:
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method, target, _ = head[0].split(" ", 2)
            fields = (line.partition(":") for line in head[1:] if line)
            headers = {name.strip().lower(): value.strip() for name, _, value in fields}
            body = await reader.readexactly(int(headers.get("content-length") or 0))
            parts = urlsplit(target)
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            status, payload, extra = dispatch(
                Request(method, parts.path, query, headers, body, peer)
            )
            data = b"" if payload is None else json.dumps(payload).encode()
            lines = [
                f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
                f"Content-Length: {len(data)}",
            ]
            lines += ["Content-Type: application/json"] if data else []
            lines += [f"{name}: {value}" for name, value in extra.items()]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main(port: int) -> None:
    server = await asyncio.start_server(connection, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 8341))
