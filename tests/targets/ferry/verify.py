#!/usr/bin/env python3
"""Prove every flaw and every decoy of the `ferry` target with real HTTP requests.

    python3 verify.py PORT [--hardened]

Stdlib only. Against the normal target every flaw must hold; with --hardened (the target started
with --hardened) every flaw must be refuted. The decoys must hold in both modes. Exit 0 only if
all of that is true. Failed logins go to unknown names and to the spare account `deckhand` only;
sign-ups use random names.
"""

from __future__ import annotations

import json
import secrets
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8331
HARDENED = "--hardened" in sys.argv[2:]
failures: list[str] = []


def call(
    method: str, path: str, *, form: Any = None, body: Any = None, token: str = ""
) -> tuple[int, Any, Any]:
    headers = {"Accept": "application/json"}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null"), response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null"), exc.headers


def expect(name: str, flawed: bool) -> None:
    """`flawed` is whether the flaw showed; it must show exactly when not hardened."""
    if flawed == HARDENED:
        failures.append(f"{name}: {'flaw still present' if HARDENED else 'flaw not reproduced'}")


def hold(name: str, ok: bool) -> None:
    if not ok:
        failures.append(f"{name}: decoy does not hold")


def nobody() -> str:
    return "nx" + secrets.token_hex(5)


def login(name: str, password: str = "wrong-password-1") -> tuple[int, Any, Any]:
    return call("POST", "/api/login", form={"login": name, "password": password})


# FR-01: error codes, and time (the hash only for existing logins)
known, unknown = login("deckhand"), login(nobody())
expect("FR-01 codes", known[1]["errors"][0]["code"] != unknown[1]["errors"][0]["code"])
timings: dict[str, list[float]] = {"known": [], "unknown": []}
for _ in range(4):
    for kind, name in (("known", "deckhand"), ("unknown", nobody())):
        started = time.perf_counter()
        login(name)
        timings[kind].append(time.perf_counter() - started)
gap = statistics.median(timings["known"]) - statistics.median(timings["unknown"])
expect("FR-01 timing", gap > 0.015)

# FR-02: sign-up tells a taken login
taken = call(
    "POST",
    "/api/accounts",
    body={"login": "olga", "email": f"{nobody()}@example.com", "password": "Long-enough-1"},
)
fresh = call(
    "POST",
    "/api/accounts",
    body={"login": nobody(), "email": f"{nobody()}@example.com", "password": "Long-enough-1"},
)
expect("FR-02", taken[0] != fresh[0])

# FR-03: the reset cookie only for existing e-mails
cookie_known = call("POST", "/api/password-resets", body={"email": "olga@ferrylink.example"})[
    2
].get("Set-Cookie")
cookie_unknown = call(
    "POST", "/api/password-resets", body={"email": f"{nobody()}@ferrylink.example"}
)[2].get("Set-Cookie")
expect("FR-03", bool(cookie_known) != bool(cookie_unknown))

# FR-04: public availability lookup
olga, other = (
    call("GET", "/api/logins/olga/availability"),
    call("GET", f"/api/logins/{nobody()}/availability"),
)
expect("FR-04", olga[0] == 200 and olga[1] != other[1])

# FR-05: no limit on failed logins (35 from this client, 12 on one unknown login)
name = nobody()
statuses = [login(name)[0] for _ in range(12)] + [login(nobody())[0] for _ in range(23)]
expect("FR-05", 429 not in statuses)

# Decoys
recovery = [
    call("POST", "/api/account-recovery", body={"email": e})
    for e in ("olga@ferrylink.example", f"{nobody()}@x.example")
]
hold("account-recovery uniform", recovery[0][:2] == recovery[1][:2] and recovery[0][0] == 202)
hold(
    "ports lookup",
    call("GET", "/api/ports/HEL")[0] == 200 and call("GET", "/api/ports/XXX")[0] == 404,
)
if not HARDENED:
    status, answer, _ = login("ines", "Ines-sails-2024")
    hold("me", call("GET", "/api/me", token=answer["data"]["token"])[1]["data"]["login"] == "ines")

print("\n".join(failures) or f"ferry ({'hardened' if HARDENED else 'normal'}): all claims hold")
sys.exit(1 if failures else 0)
