"""A local out-of-band listener: serves attacker key files and records who came to fetch them.

Why it exists: `jku`/`x5u` injection (CHECKS.md #11, RFC 7515 §4.1.2 and §4.1.5) and "keys fetched
from the token's `iss`" (#16) can only be proven by watching the target fetch a URL we chose. The
listener binds 127.0.0.1 on an ephemeral port by default, so it is only reachable by a target on
this machine; a target elsewhere needs an external callback URL forwarded to it (`oob_url`), and
without one the checks report "not tested", never "safe".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType

from aiohttp import web

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Callback:
    """One request the listener received: the proof that the target reached out."""

    method: str
    path: str
    at: float  # unix time
    headers: tuple[tuple[str, str], ...]
    remote: str | None


class OobListener:
    """`async with OobListener() as oob:` then `oob.publish({path: body})` and `oob.callbacks`.

    `public_url` replaces the listening address in `base_url` when the target reaches us through
    a forwarder (a tunnel or a reverse proxy in front of `host:port`).
    """

    def __init__(self, host: str = LOOPBACK, port: int = 0, public_url: str | None = None) -> None:
        self._host = host
        self._port = port
        self._public_url = public_url.rstrip("/") if public_url else None
        self._files: dict[str, tuple[bytes, str]] = {}
        self._runner: web.AppRunner | None = None
        self._bound: tuple[str, int] | None = None
        self._arrived = asyncio.Event()
        self.callbacks: list[Callback] = []

    @property
    def base_url(self) -> str:
        """The URL the target must be given (no trailing slash)."""
        if self._public_url is not None:
            return self._public_url
        if self._bound is None:
            raise RuntimeError("the listener is not running")
        host, port = self._bound
        return f"http://{host}:{port}"

    def publish(self, files: Mapping[str, bytes], content_type: str | None = None) -> None:
        """Serve each body at its path (paths may be absolute URLs on `base_url`)."""
        for path, body in files.items():
            key = _path_of(path, self.base_url)
            self._files[key] = (body, content_type or _guess_type(key, body))

    def hits(self, prefix: str = "/") -> list[Callback]:
        return [c for c in self.callbacks if c.path.startswith(prefix)]

    async def wait_for_hit(self, prefix: str = "/", timeout: float = 1.0) -> bool:
        """True once a request under `prefix` arrived; waits at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not self.hits(prefix):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                return bool(self.hits(prefix))
        return True

    async def _handle(self, request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.callbacks.append(
            Callback(
                method=request.method,
                path=request.path_qs,
                at=time.time(),
                headers=tuple(request.headers.items()),
                remote=str(peer[0]) if peer else None,
            )
        )
        self._arrived.set()
        served = self._files.get(request.path)
        if served is None:
            return web.Response(status=404, text="not found")
        body, content_type = served
        return web.Response(body=body, content_type=content_type)

    async def __aenter__(self) -> OobListener:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only through the server sockets
        sockets = getattr(server, "sockets", None) or ()
        address = sockets[0].getsockname() if sockets else (self._host, self._port)
        self._bound = (str(address[0]), int(address[1]))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def _path_of(path_or_url: str, base_url: str) -> str:
    if path_or_url.startswith(base_url):
        path_or_url = path_or_url[len(base_url) :]
    if "://" in path_or_url:
        path_or_url = "/" + path_or_url.split("://", 1)[1].partition("/")[2]
    path = path_or_url.split("?", 1)[0]
    return path if path.startswith("/") else "/" + path


def _guess_type(path: str, body: bytes) -> str:
    if path.endswith((".pem", ".crt", ".cer")) or body.lstrip().startswith(b"-----BEGIN"):
        return "application/x-pem-file"
    return "application/json"
