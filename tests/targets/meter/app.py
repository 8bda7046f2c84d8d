"""Meterly: weather-station telemetry with per-account API keys (standard-library http.server).

    python app.py PORT [--hardened]

People sign in (`POST /v2/login`) and manage keys; integrations call with `X-Meter-Key`. The
flaws of ground_truth.json are switched off by --hardened; the decoys are the same in both.
Binds 127.0.0.1 only; everything lives in memory and is re-seeded on every start.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sys
import time
from base64 import urlsafe_b64encode
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


@dataclass
class Caller:
    via: str  # "session" | "key" | "embed"
    scopes: set[str] = field(default_factory=lambda: {"read", "write"})


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
ALERTS: dict[str, dict[str, object]] = {
    "al_5e1d": {"id": "al_5e1d", "station": "st-moor", "metric": "wind", "above": 30.0}
}


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def caller(handler: Handler, *, keys: bool = True) -> Caller:
    auth = handler.headers.get("Authorization", "")
    if auth.startswith("Session "):
        expires = SESSIONS.get(auth[len("Session ") :])
        if expires is None or expires < time.time():
            raise Refused(401, "session expired or unknown")
        return Caller("session")
    presented = handler.headers.get("X-Meter-Key")
    if presented is None and FLAWED:
        presented = handler.query.get("key")  # MT-01: "for dashboards that cannot set headers"
    if presented is None:
        raise Refused(401, "sign in or send X-Meter-Key")
    record = KEYS.get(digest(presented))  # the whole key, hashed: no prefix or case games
    if record is None:
        raise Refused(401, "invalid key")
    if not keys:
        raise Refused(403, "API keys cannot do this; sign in")
    return Caller("key", set(record.scopes))


def need(who: Caller, scope: str) -> None:
    if scope not in who.scopes:
        raise Refused(403, f"this key lacks the {scope} scope")


def login(h: Handler) -> tuple[int, object]:
    body = h.json()
    if body.get("email") != OWNER["email"] or body.get("password") != PASSWORD:
        raise Refused(401, "wrong e-mail or password")
    token = secrets.token_urlsafe(24)
    SESSIONS[token] = time.time() + SESSION_SECONDS
    return 200, {"session": token, "expires_in": SESSION_SECONDS}


def account(h: Handler) -> tuple[int, object]:
    caller(h, keys=FLAWED)  # MT-03: hardened, the profile is for signed-in people only
    return 200, {"account_id": "acc_9f3c2a71", "plan": "pro", "owner": OWNER}


def stations(h: Handler) -> tuple[int, object]:
    need(caller(h), "read")
    return 200, STATIONS


def readings(h: Handler, station: str) -> tuple[int, object]:
    need(caller(h), "read")
    if station not in {s["id"] for s in STATIONS}:
        raise Refused(404, "no such station")
    rows = [{"hour": f"2026-01-05T{n:02d}:00Z", "temp_c": 7.5 + n / 10} for n in range(6)]
    return 200, {"station": station, "readings": rows}


def alerts(h: Handler) -> tuple[int, object]:
    need(caller(h), "read")
    return 200, list(ALERTS.values())


def create_alert(h: Handler) -> tuple[int, object]:
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


def alert(h: Handler, alert_id: str) -> tuple[int, object]:
    need(caller(h), "read")
    if alert_id not in ALERTS:
        raise Refused(404, "no such alert")
    return 200, ALERTS[alert_id]


def delete_alert(h: Handler, alert_id: str) -> tuple[int, object]:
    who = caller(h)
    if not FLAWED:
        need(who, "write")
    if ALERTS.pop(alert_id, None) is None:
        raise Refused(404, "no such alert")
    return 204, None


def list_keys(h: Handler) -> tuple[int, object]:
    caller(h, keys=False)
    return 200, [{"id": k.id, "name": k.name, "scopes": sorted(k.scopes)} for k in KEYS.values()]


def issue_key(h: Handler) -> tuple[int, object]:
    caller(h, keys=False)
    body = h.json()
    scopes = {s for s in body.get("scopes", ["read"]) if s in {"read", "write"}} or {"read"}
    value = "mtr_" + secrets.token_urlsafe(32)
    record = Key("key_" + secrets.token_hex(4), str(body.get("name", "key"))[:60], scopes)
    KEYS[digest(value)] = record
    return 201, {"id": record.id, "name": record.name, "scopes": sorted(scopes), "key": value}


def revoke_key(h: Handler, key_id: str) -> tuple[int, object]:
    caller(h, keys=False)
    for hashed, record in list(KEYS.items()):
        if record.id == key_id:
            del KEYS[hashed]  # no cache: the next request with it fails
            return 204, None
    raise Refused(404, "no such key")


def embed(h: Handler) -> tuple[int, object]:
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
    ("GET", r"/v2/alerts", alerts),
    ("POST", r"/v2/alerts", create_alert),
    ("GET", r"/v2/alerts/(\w+)", alert),
    ("DELETE", r"/v2/alerts/(\w+)", delete_alert),
    ("GET", r"/v2/keys", list_keys),
    ("POST", r"/v2/keys", issue_key),
    ("DELETE", r"/v2/keys/(\w+)", revoke_key),
    ("GET", r"/v2/embed", embed),
]


class Handler(BaseHTTPRequestHandler):
    query: dict[str, str]

    def json(self) -> dict[str, object]:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            raise Refused(400, "body must be JSON") from None
        if not isinstance(body, dict):
            raise Refused(400, "body must be a JSON object")
        return body

    def dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        status, payload = 404, {"message": "not found"}
        for verb, pattern, handler in ROUTES:
            match = re.fullmatch(pattern, parts.path)
            if match and verb == method:
                try:
                    status, payload = handler(self, *match.groups())
                except Refused as refused:
                    status, payload = refused.status, {"message": refused.message}
                break
            if match:
                status, payload = 405, {"message": "method not allowed"}
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_DELETE(self) -> None:
        self.dispatch("DELETE")

    def log_message(self, format: str, *args: object) -> None:
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8341
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
