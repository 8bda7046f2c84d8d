"""Login throttling and its signalling, for the web login and the mobile login.

Hardened, a login is refused with 429 + Retry-After (RFC 6585 §4) after 5 failures per account
or 20 failures per client address within 60 s (NIST 800-63B §5.2.2 asks for at most 100
consecutive failures; the lab stays far below so that tests need few requests). The account key
is the *normalized* username, whether or not the account exists, so that the limiter itself does
not reveal which accounts exist; the client key is the TCP peer, never a header a client can set.
Every login response advertises the client policy in the structured fields of
draft-ietf-httpapi-ratelimit-headers-10 (`RateLimit-Policy: "peer";q=20;w=60`,
`RateLimit: "peer";r=<remaining>;t=<seconds>`).

Where the flaws live: the web login forgets a limiter (`rl-login-bruteforce-account`,
`rl-credential-stuffing-spray`); the mobile login, ported from an old gateway, derives its keys
from `X-Forwarded-For` (`rl-bypass-forwarded-headers`) and from the raw username
(`rl-bypass-request-variants`); the header writer mixes draft syntaxes (`rl-ratelimit-headers`).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from fastapi import Request

from authsift.lab.flaws import LabSettings

Pathway = Literal["web", "mobile", "client"]

ACCOUNT_FAILURE_LIMIT = 5
PEER_FAILURE_LIMIT = 20
WINDOW_SECONDS = 60

# The client-IP headers a proxy might set; the legacy gateway code trusted the first one present.
_FORWARDED_HEADERS = ("x-forwarded-for", "x-real-ip", "x-client-ip", "true-client-ip")


class SlidingWindow:
    """Timestamps of recent events per key; thread-safe."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        self._events: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def add(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(self.clock())

    def remaining(self, key: str) -> int:
        with self._lock:
            return max(0, self.limit - len(self._recent(key)))

    def seconds_until_free(self, key: str) -> int:
        """Seconds until the oldest event leaves the window (the next slot frees up)."""
        with self._lock:
            events = self._recent(key)
            if not events:
                return 0
            return max(1, math.ceil(events[0] + self.window - self.clock()))


@dataclass(frozen=True, slots=True)
class ThrottleKeys:
    account: str
    peer: str


def normalize_username(username: str) -> str:
    """The form accounts are looked up by: case-folded, surrounding space stripped."""
    return username.strip().casefold()


def peer_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


class LoginThrottle:
    """One per pathway that checks a secret (web login, mobile login, client authentication at
    the token endpoint, RFC 6749 §2.3.1), so that each keeps its own counters."""

    def __init__(self, settings: LabSettings, pathway: Pathway, clock: Callable[[], float]) -> None:
        self.settings = settings
        self.pathway = pathway
        self.accounts = SlidingWindow(ACCOUNT_FAILURE_LIMIT, WINDOW_SECONDS, clock)
        self.peers = SlidingWindow(PEER_FAILURE_LIMIT, WINDOW_SECONDS, clock)

    def keys(self, request: Request, username: str) -> ThrottleKeys:
        if self.pathway != "mobile":
            return ThrottleKeys(normalize_username(username), peer_address(request))
        client = peer_address(request)
        if self.settings.on("rl-bypass-forwarded-headers"):
            # Ported from the gateway era, when the app sat behind a proxy that set the header.
            for name in _FORWARDED_HEADERS:
                value = request.headers.get(name)
                if value:
                    client = value.split(",")[0].strip()
                    break
        account = normalize_username(username)
        if self.settings.on("rl-bypass-request-variants"):
            # Counted on the username as typed, while the lookup below is case-insensitive and
            # trims spaces: "Alice", "alice " and "ALICE" each get a fresh allowance.
            account = username
        if self.settings.on("rl-bypass-forwarded-headers"):
            account = f"{client}|{account}"  # "five attempts per user per IP"
        return ThrottleKeys(account, client)

    def _enforces_account_limit(self) -> bool:
        return not (self.pathway == "web" and self.settings.on("rl-login-bruteforce-account"))

    def _enforces_peer_limit(self) -> bool:
        return not (self.pathway == "web" and self.settings.on("rl-credential-stuffing-spray"))

    def retry_after(self, keys: ThrottleKeys) -> int | None:
        """Seconds to wait if this attempt must be refused, None if it may proceed."""
        waits = []
        if self._enforces_account_limit() and self.accounts.remaining(keys.account) == 0:
            waits.append(self.accounts.seconds_until_free(keys.account))
        if self._enforces_peer_limit() and self.peers.remaining(keys.peer) == 0:
            waits.append(self.peers.seconds_until_free(keys.peer))
        return max(waits) if waits else None

    def record_failure(self, keys: ThrottleKeys) -> None:
        self.accounts.add(keys.account)
        self.peers.add(keys.peer)

    def headers(self, keys: ThrottleKeys, *, retry_after: int | None = None) -> dict[str, str]:
        """RateLimit fields for a login response (and Retry-After on a 429)."""
        flawed = self.settings.on("rl-ratelimit-headers")
        fields: dict[str, str] = {}
        if retry_after is not None and not flawed:
            fields["Retry-After"] = str(retry_after)  # RFC 9110 §10.2.3: delay-seconds
        if not self._enforces_peer_limit():
            return fields  # no client limiter on this pathway: nothing to advertise
        remaining = self.peers.remaining(keys.peer)
        reset = self.peers.seconds_until_free(keys.peer)
        if flawed:
            # Copied from a blog post about draft-03 into the field names of the new draft, and
            # the 429 branch forgot Retry-After.
            fields["RateLimit-Policy"] = f"{PEER_FAILURE_LIMIT};w={WINDOW_SECONDS}"
            fields["RateLimit"] = (
                f"limit={PEER_FAILURE_LIMIT}, remaining={remaining}, reset={reset}"
            )
            return fields
        fields["RateLimit-Policy"] = f'"peer";q={PEER_FAILURE_LIMIT};w={WINDOW_SECONDS}'
        fields["RateLimit"] = f'"peer";r={remaining};t={reset}'
        return fields
