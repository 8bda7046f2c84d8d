#!/usr/bin/env python3
"""Prove every flaw and every decoy of the `turnstile` target with real HTTP requests.

    python3 verify.py PORT [--hardened]

Stdlib only. Against the normal target every flaw must hold; with --hardened every flaw must be
refuted. The decoys hold in both modes. Exit 0 only if all of that is true. Start the target
fresh before each run: the throttles' windows are 60 s and this script fills them.
"""

from __future__ import annotations

import json
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8341
HARDENED = "--hardened" in sys.argv[2:]
failures: list[str] = []


def call(path: str, body: Any = None, form: Any = None, **headers: str) -> tuple[int, Any]:
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}", data=data, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def expect(label: str, condition: bool) -> None:
    print(("ok   " if condition else "FAIL ") + label)
    if not condition:
        failures.append(label)


def guess(path: str, login: str, **headers: str) -> int:
    return call(path, {"login": login, "passwd": "wrong-" + secrets.token_hex(3)}, **headers)[0]


# TS-01: 25 wrong passwords for ivy, then her right one.
signin = [guess("/v2/signin", "ivy@turnstile.example") for _ in range(25)]
right = call("/v2/signin", {"login": "ivy@turnstile.example", "passwd": "Ivy-signs-in-2024"})[0]
expect("TS-01 the web sign-in never throttles", (signin == [401] * 25 and right == 200) != HARDENED)
expect("TS-01 hardened: 429 after 5 failures", (signin[5:6] == [429]) == HARDENED)

# TS-02: exhaust the mobile client limit, then a fresh X-Forwarded-For per guess.
mobile = [guess("/v2/mobile/authenticate", "max@turnstile.example") for _ in range(6)]
expect("TS-02 the mobile login blocks after 5 failures", mobile == [401] * 5 + [403])
spoofed = [
    guess(
        "/v2/mobile/authenticate", "max@turnstile.example", **{"X-Forwarded-For": f"203.0.113.{n}"}
    )
    for n in range(1, 7)
]
control = guess("/v2/mobile/authenticate", "max@turnstile.example")
expect("TS-02 control stays blocked", control == 403)
expect("TS-02 X-Forwarded-For resets the limit", (spoofed == [401] * 6) != HARDENED)


# Decoy: the partner token endpoint throttles per account and per client.
def partner(username: str, **headers: str) -> int:
    form = {"grant_type": "password", "username": username, "password": "nope"}
    return call("/v2/partner/token", form=form, **headers)[0]


account = [partner("partner-acme") for _ in range(6)]
expect("decoy: partner account limit (5, then 429)", account == [400] * 5 + [429])
variants = [partner(name) for name in ("PARTNER-ACME", " partner-acme")]
expect("decoy: spelling variants count against the same account", variants == [429, 429])
spoofed_partner = partner("partner-acme", **{"X-Forwarded-For": "198.51.100.9"})
expect("decoy: the partner limit ignores X-Forwarded-For", spoofed_partner == 429)
spray = [partner(f"nobody-{n}@example.com") for n in range(6)]
expect("decoy: partner client limit (10 failures in all, then 429)", spray == [400] * 5 + [429])

# Decoy: unknown users and wrong passwords answer alike on the sign-in (fresh process needed
# for the hardened mode's per-client window, so only the body is compared on 401s).
known = call("/v2/signin", {"login": "max@turnstile.example", "passwd": "x"})
unknown = call("/v2/signin", {"login": "ghost@turnstile.example", "passwd": "x"})
expect("decoy: no enumeration on the sign-in", known == unknown)

sys.exit(1 if failures else 0)
