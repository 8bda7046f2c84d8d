#!/usr/bin/env python3
"""Prove every flaw and every decoy of the `depot` target with real HTTP requests.

    python3 verify.py PORT [--hardened]

Stdlib only. Against the normal target every flaw must hold; with --hardened every flaw must be
refuted. The decoys hold in both modes. Exit 0 only if all of that is true. Read-only: the reset
route is only ever asked with GET.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import Any

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8341
HARDENED = "--hardened" in sys.argv[2:]
PASSWORDS = {"ana": "Ana-shops-2024", "ben": "Ben-shops-2024", "root": "Root-runs-depot-2024"}
failures: list[str] = []
sessions: dict[str, str] = {}


def call(method: str, path: str, who: str | None = None, body: Any = None) -> tuple[int, Any, str]:
    headers = {"Accept": "application/json"}
    if who:
        headers["Authorization"] = f"Depot {session(who)}"
    data = json.dumps(body).encode() if body is not None else None
    if data:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data, headers, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            status, raw, kind = response.status, response.read(), response.headers["Content-Type"]
    except urllib.error.HTTPError as exc:
        status, raw, kind = exc.code, exc.read(), exc.headers["Content-Type"]
    try:
        return status, json.loads(raw), kind
    except ValueError:
        return status, raw.decode("utf-8", "replace"), kind


def session(who: str) -> str:
    if who not in sessions:
        status, body, _ = call("POST", "/api/login", body={"user": who, "password": PASSWORDS[who]})
        assert status == 200, f"login {who}: {status}"
        sessions[who] = body["session"]
    return sessions[who]


def expect(label: str, holds: bool) -> None:
    print(("ok    " if holds else "FAIL  ") + label)
    if not holds:
        failures.append(label)


def flaw(label: str, present: bool) -> None:
    expect(f"{label} ({'refuted' if HARDENED else 'holds'})", present != HARDENED)


paths = call("GET", "/openapi.json")[1]["paths"]
hidden = (
    "/api/_debug",
    "/api/orders/feed",
    "/api/admin/reset",
    "/api/internal",
    "/api/orders/export",
)
expect("no unlisted route is in the spec", not any(p in paths for p in hidden))

status, body, _ = call("GET", "/api/_debug")
flaw(
    "DP-01 GET /api/_debug dumps the environment anonymously",
    status == 200 and "DEPOT_DB_URL" in str(body),
)

status, body, _ = call("GET", "/api/orders/feed")
emails = {o["email"] for o in body["feed"]} if status == 200 else set()
flaw("DP-02 GET /api/orders/feed lists every customer's orders anonymously", len(emails) >= 2)
expect(
    "the order feed still works for the admin", call("GET", "/api/orders/feed", "root")[0] == 200
)

user = call("GET", "/api/admin/reset", "ana")
admin = call("GET", "/api/admin/reset", "root")
flaw("DP-03 a customer gets the admin's reset preview", user[0] == 200 and user[1] == admin[1])
expect("the reset preview needs a session", call("GET", "/api/admin/reset")[0] == 401)
expect("documented admin stats are admin-only", call("GET", "/api/admin/stats", "ana")[0] == 403)

# decoys, both modes
expect(
    "decoy: /api/internal is a bare health check",
    call("GET", "/api/internal")[1] == {"status": "ok"},
)
for path in ("/admin", "/.env", "/debug", "/console", "/authsift-nope"):
    status, body, kind = call("GET", path)
    expect(
        f"decoy: {path} is the SPA page",
        status == 200 and "html" in kind and "<div id=root>" in body,
    )
expect("decoy: /docs is an HTML page", "html" in call("GET", "/docs")[2])
own = call("GET", "/api/orders/export", "ana")[1]
expect("decoy: the export is the caller's own rows", "D-1001" in own and "D-1003" not in own)
expect("decoy: the export needs a session", call("GET", "/api/orders/export")[0] == 401)
expect("decoy: the catalog is public", call("GET", "/api/catalog")[0] == 200)
expect("unknown API paths are 404", call("GET", "/api/nope")[0] == 404)

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
