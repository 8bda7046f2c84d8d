#!/usr/bin/env python3
"""Prove every flaw and every decoy of the `meter` target with real HTTP requests.

    python3 verify.py PORT [--hardened]

Stdlib only. Against the normal target every flaw must hold; with --hardened every flaw must be
refuted. The decoys must hold in both modes. Exit 0 only if all of that is true. It creates and
deletes alert rules and keys of its own only.
"""

from __future__ import annotations

import json
import secrets
import sys
import urllib.error
import urllib.request
from typing import Any

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8341
HARDENED = "--hardened" in sys.argv[2:]
READ_KEY = "mtr_6EUePGHl697gDJEFZhT2Mi-OcKbxFvg7pXSoCysjr1A"
EMBED_KEY = "pk_c2f216ff276c1f16bc0d7f840be9998f5e201d99fb90e6e526b2f00ca5eb09dc"
failures: list[str] = []


def call(
    method: str, path: str, headers: dict[str, str] | None = None, body: Any = None
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}", data=data, method=method, headers=headers or {}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


def check(what: str, holds: bool) -> None:
    print(("ok   " if holds else "FAIL ") + what)
    if not holds:
        failures.append(what)


def flaw(what: str, present: bool) -> None:
    check(f"{what} ({'refuted' if HARDENED else 'holds'})", present != HARDENED)


key = {"X-Meter-Key": READ_KEY}
OLGA = {"email": "olga@meterly.example", "password": "Olga-meters-2024"}
status, answer = call("POST", "/v2/login", body=OLGA)
session = {"Authorization": f"Session {answer['session']}"}

# MT-01: the key in ?key= (and no header) works
status, _ = call("GET", f"/v2/stations?key={READ_KEY}")
flaw("MT-01 GET /v2/stations?key= accepted", status == 200)
check("anonymous GET /v2/stations refused", call("GET", "/v2/stations")[0] == 401)

# MT-02: the read-only key creates an alert rule (then it is deleted with the session)
status, created = call("POST", "/v2/alerts", key, {"station": "st-moor", "above": 40})
flaw("MT-02 read-only key creates an alert", status == 201)
if status == 201:
    check("cleanup of the alert", call("DELETE", f"/v2/alerts/{created['id']}", session)[0] == 204)
check("the read-only key reads an alert", call("GET", "/v2/alerts/al_5e1d", key)[0] == 200)

# MT-03: the key alone reads the owner's profile
status, profile = call("GET", "/v2/account", key)
owner_email = (profile or {}).get("owner", {}).get("email") if status == 200 else None
flaw("MT-03 key alone reads the owner's profile", owner_email == "olga@meterly.example")
check("the session reads the profile", call("GET", "/v2/account", session)[0] == 200)

# Decoy: the publishable embed key in the query is the documented channel
check(
    "decoy: embed key in the query works", call("GET", f"/v2/embed?embed_key={EMBED_KEY}")[0] == 200
)
check("decoy: embed without a key refused", call("GET", "/v2/embed")[0] == 401)
# Decoy: readings for integrations carry no personal data
status, readings = call("GET", "/v2/stations/st-harbour/readings", key)
check("decoy: readings with the key, no e-mail", status == 200 and "@" not in json.dumps(readings))
# Decoy: keys are compared whole; revocation is immediate; keys are sessions-only to manage
for label, value in (
    ("case swapped", READ_KEY.swapcase()),
    ("x appended", READ_KEY + "x"),
    ("truncated", READ_KEY[:24]),
    ("last changed", READ_KEY[:-1] + ("A" if READ_KEY[-1] != "A" else "B")),
    ("null", "null"),
    ("empty", ""),
):
    check(
        f"decoy: altered key refused ({label})",
        call("GET", "/v2/stations", {"X-Meter-Key": value})[0] == 401,
    )
check("decoy: keys cannot issue keys", call("POST", "/v2/keys", key, {"name": "x"})[0] == 403)
status, issued = call("POST", "/v2/keys", session, {"name": "verify", "scopes": ["read"]})
check("decoy: a session issues a key", status == 201 and len(issued["key"]) >= 40)
if status == 201:
    fresh = {"X-Meter-Key": issued["key"]}
    check("decoy: the new key works", call("GET", "/v2/stations", fresh)[0] == 200)
    check(
        "decoy: revocation answers 204",
        call("DELETE", f"/v2/keys/{issued['id']}", session)[0] == 204,
    )
    check("decoy: the revoked key is refused at once", call("GET", "/v2/stations", fresh)[0] == 401)

# MT-04: six wrong passwords for one (unknown) account; hardened, the sixth is throttled. Kept
# under the per-client limit (10), so that a scan right after can still sign olga in.
stranger = {"email": f"nobody-{secrets.token_hex(3)}@meterly.example", "password": "wrong"}
answers = [call("POST", "/v2/login", body=stranger)[0] for _ in range(6)]
flaw("MT-04 no sign-in throttling", answers == [401] * 6)
check("the right password still works", call("POST", "/v2/login", body=OLGA)[0] == 200)

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
