#!/usr/bin/env python3
"""Prove every flaw and every decoy of the `locker` target with real HTTP requests.

    python3 verify.py PORT [--hardened]

Stdlib only. Against the normal target every flaw must hold; with --hardened (the target started
with --hardened) every flaw must be refuted. The decoys must hold in both modes. Exit 0 only if
all of that is true. Password changes are made on accounts the script signs up itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import sys
import time
import urllib.error
import urllib.request
from typing import Any

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8391
HARDENED = "--hardened" in sys.argv[2:]
ANA = {"email": "ana@locker.example", "password": "Ana-lifts-2024"}
failures: list[str] = []


def call(method: str, path: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    return status, json.loads(raw) if raw else None


def login(account: dict[str, str]) -> dict[str, Any]:
    status, doc = call("POST", "/v2/auth/tokens", body=account)
    assert status == 201, (status, doc)
    return dict(doc["meta"])


def claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def resign(token: str, changes: dict[str, Any], drop: str | None = None) -> str:
    body = {**claims(token), **changes}
    if drop:
        body.pop(drop, None)
    head = token.split(".")[0]
    b = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    mac = hmac.new(b"482915", f"{head}.{b}".encode(), hashlib.sha256).digest()
    return f"{head}.{b}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def works(token: str) -> bool:
    return call("GET", "/v2/me", token)[0] == 200


def expect(name: str, flaw_holds: bool) -> None:
    wanted = not HARDENED
    if flaw_holds != wanted:
        failures.append(f"{name}: {'holds' if flaw_holds else 'refuted'}")
    print(
        f"{'ok ' if flaw_holds == wanted else 'BAD'} {name}: {'holds' if flaw_holds else 'refuted'}"
    )


def decoy(name: str, holds: bool) -> None:
    if not holds:
        failures.append(f"decoy {name}")
    print(f"{'ok ' if holds else 'BAD'} decoy {name}")


def canary() -> dict[str, str]:
    account = {
        "email": f"v-{secrets.token_hex(4)}@example.invalid",
        "password": "Verify-" + secrets.token_hex(6),
    }
    assert call("POST", "/v2/members", body={**account, "role": "admin"})[0] == 201
    return account


ana = login(ANA)
access = ana["access"]
expect("LK-01 access token without exp", "exp" not in claims(access))
expired = resign(access, {"exp": int(time.time()) - 600})
no_exp = resign(access, {}, drop="exp")
expect("LK-02 expired or exp-less token accepted", works(expired) or works(no_exp))
forged = resign(access, {"jti": "forged"})
expect("LK-03 HS256 secret 482915", works(forged))
session = login(ANA)
call("DELETE", "/v2/auth/tokens/current", session["access"], {"refresh_token": session["refresh"]})
expect("LK-04 tokens survive logout", works(session["access"]))
account = canary()
one, two = login(account), login(account)
new = "Changed-" + secrets.token_hex(6)
status, _ = call(
    "PUT",
    "/v2/me/password",
    one["access"],
    {"current_password": account["password"], "new_password": new},
)
assert status == 200, status
expect("LK-05 other session survives a password change", works(two["access"]))
rt1 = login(ANA)["refresh"]
status, doc = call("POST", "/v2/auth/refresh", body={"refresh_token": rt1})
again, _ = call("POST", "/v2/auth/refresh", body={"refresh_token": rt1})
expect("LK-06 refresh token reused", status == 200 and again == 200)
expect("LK-07 refresh token without exp", "exp" not in claims(login(ANA)["refresh"]))

decoy("plans are public", call("GET", "/v2/plans")[0] == 200)
ben = login({"email": "ben@locker.example", "password": "Ben-runs-2024"})
decoy("classes are shared", call("GET", "/v2/classes/c-2", ben["access"])[0] == 200)
me = call("GET", "/v2/me", ben["access"])[1]
decoy("/v2/me is the caller's own", me["data"]["attributes"]["email"] == "ben@locker.example")
fresh = canary()
role = call("GET", "/v2/me", login(fresh)["access"])[1]["data"]["attributes"]["role"]
decoy("sign-up ignores role", role == "member")

print("all hold" if not failures else f"{len(failures)} failed: {failures}")
sys.exit(1 if failures else 0)
