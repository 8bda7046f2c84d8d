"""The only place that does HTTP.

Every request of a scan passes here, in this order: scope guard, exclusion and safety guards,
credentials applied (kept fresh by `engine.auth`), budget, pacing, concurrency cap, the wire
(timeouts, body cap, TLS verification, proxy), 429/503 back-off and retries, then recording.
Checks never see aiohttp; they see `Exchange`s.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

import aiohttp
import yarl

from authsift.engine.recorder import Recorder
from authsift.engine.scope import Scope, ScopeError
from authsift.engine.throttle import Budget, BudgetExhausted, TokenBucket, parse_retry_after
from authsift.model import READ_ONLY_METHODS, Exchange, HttpRequest, HttpResponse

log = logging.getLogger(__name__)

__all__ = ["BudgetExhausted", "HttpSession", "SafetyError", "ScopeError", "SessionSettings"]

_MAX_REDIRECTS = 5
_MAX_BACKOFF = 30.0  # never wait longer than this for one Retry-After; the budget clock runs on


class SafetyError(Exception):
    """A state-changing method, or an excluded operation, was about to be sent."""


class CredentialApplier(Protocol):
    async def apply(self, identity: str, request: HttpRequest) -> HttpRequest: ...

    async def on_unauthorized(self, identity: str, request: HttpRequest) -> bool:
        """Called on a 401 to an identity's request; True when credentials were renewed."""
        ...


@dataclass(frozen=True, slots=True)
class SessionSettings:
    rate: float = 10.0
    concurrency: int = 4
    max_requests: int = 5000
    timeout: float = 10.0
    max_time: float = 900.0
    max_body: int = 1 << 20
    retries: int = 2
    verify_tls: bool = True
    proxy: str | None = None
    intrusive: bool = False
    user_agent: str = "authsift"
    excluded: Callable[[str, str], bool] = field(default=lambda method, path: False)


class HttpSession:
    def __init__(
        self,
        scope: Scope,
        settings: SessionSettings,
        *,
        recorder: Recorder | None = None,
        credentials: CredentialApplier | None = None,
    ) -> None:
        self.scope = scope
        self.settings = settings
        self.recorder = recorder or Recorder()
        self.credentials = credentials
        self.budget = Budget(settings.max_requests, settings.max_time)
        self._bucket = TokenBucket(settings.rate)
        self._client: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> HttpSession:
        ssl_context: ssl.SSLContext | bool = bool(self.settings.verify_tls)
        self._client = aiohttp.ClientSession(
            cookie_jar=aiohttp.DummyCookieJar(),  # cookies never leak between identities
            timeout=aiohttp.ClientTimeout(total=self.settings.timeout),
            connector=aiohttp.TCPConnector(
                limit=max(1, self.settings.concurrency), ssl=ssl_context
            ),
            auto_decompress=True,
            headers={"User-Agent": self.settings.user_agent},
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def send(
        self,
        request: HttpRequest,
        *,
        identity: str | None = None,
        follow_redirects: bool = False,
        retry_on_limit: bool = True,
        auth_flow: bool = False,
    ) -> Exchange:
        """Send one request as `identity` (None: anonymous, exactly as built).

        `auth_flow` marks the engine's own login/refresh requests: they may be POSTs in a
        read-only scan, and a 401 to them is an answer, not a reason to log in again.
        """
        self._guard(request, auth_flow=auth_flow)
        prepared = request
        if identity is not None and self.credentials is not None and not auth_flow:
            prepared = await self.credentials.apply(identity, request)
            if prepared.url is not request.url:  # a query-placed credential changed the URL
                self.scope.check(prepared.url)
        exchange = await (
            self._send_following(prepared, identity, follow_redirects, retry_on_limit)
            if follow_redirects
            else self._send_with_retries(prepared, identity, retry_on_limit)
        )
        if (
            exchange.status == 401
            and identity is not None
            and self.credentials is not None
            and not auth_flow
            and await self.credentials.on_unauthorized(identity, prepared)
        ):
            # Reactive freshness: the token went stale between apply() and the server's check.
            prepared = await self.credentials.apply(identity, request)
            exchange = await self._send_following(
                prepared, identity, follow_redirects, retry_on_limit
            )
        return exchange

    def _guard(self, request: HttpRequest, *, auth_flow: bool) -> None:
        self.scope.check(request.url)
        path = path_of(request.url)
        if self.settings.excluded(request.method, path):
            raise SafetyError(f"{request.method} {path} is excluded by operations.exclude")
        if (
            not auth_flow
            and not self.settings.intrusive
            and request.method not in READ_ONLY_METHODS
        ):
            raise SafetyError(
                f"{request.method} {path} changes state; enable checks.intrusive to allow it"
            )

    async def _send_following(
        self, request: HttpRequest, identity: str | None, follow: bool, retry_on_limit: bool
    ) -> Exchange:
        exchange = await self._send_with_retries(request, identity, retry_on_limit)
        hops = 0
        while (
            follow
            and exchange.response is not None
            and exchange.status in (301, 302, 303, 307, 308)
        ):
            location = exchange.response.header("Location")
            if not location or hops >= _MAX_REDIRECTS:
                break
            next_url = urllib.parse.urljoin(request.url, location)
            if not self.scope.allows(next_url):
                log.info("not following redirect out of scope: %s", next_url)
                break
            method = request.method if exchange.status in (307, 308) else "GET"
            body = request.body if method == request.method else None
            request = replace(request, method=method, url=next_url, body=body)
            exchange = await self._send_with_retries(request, identity, retry_on_limit)
            hops += 1
        return exchange

    async def _send_with_retries(
        self, request: HttpRequest, identity: str | None, retry_on_limit: bool
    ) -> Exchange:
        attempt = 0
        while True:
            exchange = await self._send_once(request, identity)
            attempt += 1
            if attempt > self.settings.retries:
                return exchange
            delay = self._retry_delay(exchange, attempt, retry_on_limit)
            if delay is None:
                return exchange
            await asyncio.sleep(min(delay, self.budget.remaining_time))

    def _retry_delay(self, exchange: Exchange, attempt: int, retry_on_limit: bool) -> float | None:
        if exchange.response is None:
            if exchange.error and exchange.error.startswith("timeout"):
                return None  # a slow endpoint stays slow; do not triple the scan time
            return 0.25 * 2.0 ** (attempt - 1)
        if retry_on_limit and exchange.status in (429, 503):
            wait = parse_retry_after(exchange.response.header("Retry-After"))
            if wait is None:
                wait = 1.0 * 2.0 ** (attempt - 1)
            wait = min(wait, _MAX_BACKOFF)
            self._bucket.pause_until(time.monotonic() + wait)
            log.info("%s: %s, backing off %.1fs", exchange.request.url, exchange.status, wait)
            return wait
        return None

    async def _send_once(self, request: HttpRequest, identity: str | None) -> Exchange:
        assert self._client is not None, "HttpSession used outside `async with`"
        self.budget.take()
        await self._bucket.acquire()
        started = time.time()
        clock = time.perf_counter()
        # The concurrency cap is the connector's connection limit (set in __aenter__).
        response: HttpResponse | None = None
        error: str | None = None
        try:
            response = await self._wire(request, clock)
        except TimeoutError:
            error = f"timeout after {self.settings.timeout:g}s"
        except aiohttp.ClientConnectorError as exc:
            error = f"connection failed: {exc.os_error or exc}"
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
            error = f"connection reset: {exc}"
        except aiohttp.ClientError as exc:
            error = f"http error: {type(exc).__name__}: {exc}"
        return self.recorder.record(request, response, error, identity, started)

    async def _wire(self, request: HttpRequest, clock: float) -> HttpResponse:
        assert self._client is not None
        async with self._client.request(
            request.method,
            yarl_url(request.url),
            headers=list(request.headers),
            data=request.body,
            allow_redirects=False,
            proxy=self.settings.proxy,
        ) as raw:
            length = raw.content_length
            if length is not None and length <= self.settings.max_body:
                body = await raw.read()  # bounded by Content-Length: one read, no loop
            else:
                body = await _read_capped(raw.content, self.settings.max_body)
            truncated = len(body) > self.settings.max_body
            return HttpResponse(
                status=raw.status,
                headers=tuple((k, v) for k, v in raw.headers.items()),
                body=body[: self.settings.max_body],
                elapsed=time.perf_counter() - clock,
                truncated=truncated,
            )


def path_of(url: str) -> str:
    """The path of an absolute URL, as sent (no normalisation), without parsing the whole URL:
    this runs on every request."""
    rest = url.partition("://")[2]
    slash = rest.find("/")
    if slash < 0:
        return "/"
    path = rest[slash:]
    for mark in "?#":
        path = path.split(mark, 1)[0]
    return path or "/"


async def _read_capped(stream: aiohttp.StreamReader, cap: int) -> bytes:
    """The body up to `cap` + 1 bytes (one more tells "truncated"). `read(n)` returns what is
    buffered, not n bytes, so read until the end or the cap."""
    chunks: list[bytes] = []
    size = 0
    while size <= cap:
        chunk = await stream.read(cap + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def yarl_url(url: str) -> yarl.URL:
    """Send the URL exactly as built: path-variant probes (`%2e`, `//`) must not be normalised."""
    return yarl.URL(url, encoded=True)


SendFunction = Callable[..., Awaitable[Exchange]]
