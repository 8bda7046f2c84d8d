"""Shared helpers for the token-side flaw tests: a lab per settings, plain HTTP, JWT surgery.

HTTP goes through urllib (no scanner, no aiohttp) to the lab under uvicorn on 127.0.0.1. Each test
module keeps one server per `LabSettings` for its whole run (`LabPool`), with a `FakeClock` so
that tests can jump past lifetimes and rate-limit windows instead of sleeping.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest

from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread
from authsift.lab.users import DEFAULT_USERS

PASSWORDS = {user.username: user.password for user in DEFAULT_USERS}
# The modes of tests/lab/conftest.py's `mode` fixture: the flaw alone, all flaws, hardened twin.
ONLY = "only"
ALL_ON = "all"
OFF = "off"

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class FakeClock:
    """A clock the lab reads and the test moves: starts at real time, moves only when told."""

    def __init__(self) -> None:
        self._now = time.time()
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


@dataclass
class Lab:
    url: str
    clock: FakeClock
    settings: LabSettings


class LabPool:
    """One running lab per settings, started on first use and stopped with the module."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._labs: dict[LabSettings, Lab] = {}

    def get(self, settings: LabSettings) -> Lab:
        if settings not in self._labs:
            clock = FakeClock()
            url = self._stack.enter_context(run_in_thread(settings, clock=clock))
            self._labs[settings] = Lab(url, clock, settings)
        return self._labs[settings]

    def for_mode(self, mode: str, flaw_id: str) -> Lab:
        """The lab for a mode: only `flaw_id` on, every flaw on, or the hardened twin."""
        if mode == ALL_ON:
            return self.get(LabSettings.vulnerable())
        if mode == ONLY:
            return self.get(LabSettings.only({flaw_id}))
        return self.get(LabSettings.hardened_twin())

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="module")
def pool() -> Iterator[LabPool]:
    """Import this fixture into a test module to get one LabPool for the module's run."""
    lab_pool = LabPool()
    try:
        yield lab_pool
    finally:
        lab_pool.close()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


def http(
    method: str,
    url: str,
    *,
    json_body: Any = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    token: str | None = None,
) -> Reply:
    """One request to the lab; never raises on HTTP error statuses."""
    assert url.startswith("http://127.0.0.1:"), "lab tests only talk to the loopback lab"
    all_headers = dict(headers or {})
    data = None
    if json_body is not None:
        data = json.dumps(json_body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    started = time.perf_counter()
    try:
        with _OPENER.open(request, timeout=10) as response:
            body = response.read()
            return Reply(
                response.status, dict(response.headers), body, time.perf_counter() - started
            )
    except urllib.error.HTTPError as error:
        body = error.read()
        return Reply(error.code, dict(error.headers), body, time.perf_counter() - started)


def login(
    lab: Lab, username: str = "alice", path: str = "/auth/login", **extra: str
) -> dict[str, Any]:
    reply = http(
        "POST",
        lab.url + path,
        json_body={"username": username, "password": PASSWORDS[username], **extra},
    )
    assert reply.status == 200, reply.body
    tokens: dict[str, Any] = reply.json()
    return tokens


def whoami(lab: Lab, token: str, path: str = "/oauth/userinfo") -> Reply:
    return http("GET", lab.url + path, token=token)


def accepted_as(reply: Reply, username: str) -> bool:
    """The probe's `accepted()` in miniature: 2xx and the user's own markers in the body."""
    return 200 <= reply.status < 300 and f'"{username}"' in reply.body.decode()


# ------------------------------------------------------------------ JWT surgery (no library)


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def segments(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    head, body, signature = token.split(".")
    return json.loads(b64d(head)), json.loads(b64d(body)), signature


def encode_part(value: dict[str, Any]) -> str:
    return b64e(json.dumps(value, separators=(",", ":")).encode())


def hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{encode_part(header)}.{encode_part(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64e(mac)}"
