"""Fixtures for lab tests: real uvicorn servers on 127.0.0.1 and a plain HTTP client.

`lab_url(settings)` starts (once per module and per settings, optionally per clock) a lab in a
daemon thread and returns its base URL. `http(method, url, ...)` sends one request with urllib
and returns a `Reply` whatever the status; it never follows redirects, so a test sees exactly
what the lab answered.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from email.message import Message
from typing import Any, Protocol

import pytest

from authsift.lab.apikeys import ApiKeyStore
from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread
from authsift.lab.users import DEFAULT_USERS


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Message
    body: bytes
    text: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", self.body.decode("utf-8", "replace"))

    def json(self) -> Any:
        return json.loads(self.body)


class LabUrl(Protocol):
    def __call__(
        self, settings: LabSettings, *, clock: Callable[[], float] | None = None
    ) -> str: ...


class Http(Protocol):
    def __call__(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
    ) -> Reply: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxies from the environment: the traffic must go straight to 127.0.0.1.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def send(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    data: bytes | None = None,
) -> Reply:
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"lab tests only talk to 127.0.0.1, not {url}")
    all_headers = dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
    try:
        with _OPENER.open(request, timeout=10) as response:
            return Reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.headers, error.read())


@pytest.fixture(scope="module")
def lab_url() -> Iterator[LabUrl]:
    """Factory: base URL of a lab for these settings (and clock), started once per module."""
    with ExitStack() as stack:
        running: dict[tuple[LabSettings, Callable[[], float] | None], str] = {}

        def start(settings: LabSettings, *, clock: Callable[[], float] | None = None) -> str:
            key = (settings, clock)
            if key not in running:
                running[key] = stack.enter_context(run_in_thread(settings, clock=clock))
            return running[key]

        yield start


@pytest.fixture(scope="session")
def http() -> Http:
    return send


PASSWORDS = {user.username: user.password for user in DEFAULT_USERS}


class TokenFor(Protocol):
    def __call__(self, base_url: str, username: str) -> str: ...


def login(base_url: str, username: str) -> Reply:
    """POST /auth/login with the seeded password (the shape lab/authsift.yaml uses)."""
    return send(
        "POST",
        f"{base_url}/auth/login",
        json_body={"username": username, "password": PASSWORDS[username]},
    )


@pytest.fixture(scope="module")
def token_for() -> TokenFor:
    """Factory: an access token for a seeded user on that lab, logged in once per module."""
    cache: dict[tuple[str, str], str] = {}

    def get(base_url: str, username: str) -> str:
        if (base_url, username) not in cache:
            reply = login(base_url, username)
            assert reply.status == 200, reply.text
            cache[(base_url, username)] = str(reply.json()["access_token"])
        return cache[(base_url, username)]

    return get


class LabFor(Protocol):
    def __call__(self, mode: str, flaw_id: str) -> str: ...


@pytest.fixture(params=["only", "all", "off"])
def mode(request: pytest.FixtureRequest) -> str:
    """Every flaw test runs three ways: the flaw alone, all flaws on, and the hardened twin."""
    return str(request.param)


def settings_for(mode: str, flaw_id: str) -> LabSettings:
    if mode == "only":
        return LabSettings.only({flaw_id})
    if mode == "all":
        return LabSettings.vulnerable()
    if mode == "off":
        return LabSettings.hardened_twin()
    raise ValueError(mode)


@pytest.fixture(scope="module")
def lab_for(lab_url: LabUrl) -> LabFor:
    """Factory: base URL of the lab for a mode ("only" | "all" | "off") and a flaw id."""

    def get(mode: str, flaw_id: str) -> str:
        return lab_url(settings_for(mode, flaw_id))

    return get


class SeededKeys(Protocol):
    def __call__(self, mode: str, flaw_id: str) -> dict[str, str]: ...


@pytest.fixture(scope="session")
def seeded_keys() -> SeededKeys:
    """The seeded API keys (name -> value) of the lab for a mode and flaw id."""

    def get(mode: str, flaw_id: str) -> dict[str, str]:
        return dict(ApiKeyStore(settings_for(mode, flaw_id)).seeded_values)

    return get
