"""A headless Chromium driven over the DevTools protocol, for tests that must see what a browser
sees: scripts that ran, clicks that changed the page, console errors, requests the page made.

Kept small on purpose: launch a browser, open a tab, send commands, keep the events. The websocket
client is aiohttp's, already a dependency. Protocol reference:
https://chromedevtools.github.io/devtools-protocol/
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp

BINARIES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
STARTUP_TIMEOUT = 15.0


def find_chromium() -> str | None:
    """`$AUTHSIFT_CHROMIUM`, else the first Chromium-family browser on PATH."""
    override = os.environ.get("AUTHSIFT_CHROMIUM")
    if override:
        return shutil.which(override)
    return next((path for name in BINARIES if (path := shutil.which(name))), None)


class CdpError(RuntimeError):
    pass


class Chromium:
    """One headless browser process with a throwaway profile; tabs are opened with `tab()`."""

    def __init__(self, binary: str, profile: Path) -> None:
        self.binary = binary
        self.profile = profile
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Chromium:
        arguments = [
            self.binary,
            "--headless",
            "--disable-gpu",
            "--disable-dev-shm-usage",  # containers have a tiny /dev/shm
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--remote-debugging-port=0",  # Chromium picks a free port and writes it down
            f"--user-data-dir={self.profile}",
            "about:blank",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            arguments.insert(1, "--no-sandbox")  # Chromium's sandbox refuses to run as root
        self._process = subprocess.Popen(
            arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.port = self._wait_for_port()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        process = self._process
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def _wait_for_port(self) -> int:
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise CdpError(f"{self.binary} exited with {self._process.returncode} at startup")
            if marker.exists():
                first_line = marker.read_text(encoding="utf-8").split("\n", 1)[0].strip()
                if first_line.isdigit():
                    return int(first_line)
            time.sleep(0.05)
        raise CdpError(f"{self.binary} did not open its DevTools port in {STARTUP_TIMEOUT:.0f} s")

    @asynccontextmanager
    async def tab(self) -> AsyncIterator[Tab]:
        """A fresh tab on about:blank, closed on exit."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/json/new?about:blank", method="PUT"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            target = json.loads(response.read())
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as socket,
        ):
            tab = Tab(socket)
            reader = asyncio.create_task(tab.read_forever())
            try:
                yield tab
            finally:
                reader.cancel()
                close = urllib.request.Request(
                    f"http://127.0.0.1:{self.port}/json/close/{target['id']}"
                )
                with urllib.request.urlopen(close, timeout=10):
                    pass


class Tab:
    """Commands (`send`, `evaluate`) and every event received, in order."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._arrived = asyncio.Event()
        self.events: list[dict[str, Any]] = []

    async def read_forever(self) -> None:
        async for message in self._socket:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if "id" in data:
                future = self._pending.pop(data["id"], None)
                if future is not None and not future.done():
                    future.set_result(data)
            else:
                self.events.append(data)
                self._arrived.set()

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[call_id] = future
        await self._socket.send_str(json.dumps({"id": call_id, "method": method, "params": params}))
        reply = await asyncio.wait_for(future, timeout=10)
        if "error" in reply:
            raise CdpError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page; a thrown exception fails."""
        reply = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in reply:
            raise CdpError(f"{expression!r} threw: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    async def wait_for(self, method: str, *, since: int = 0, timeout: float = 10) -> dict[str, Any]:
        """The first event named `method` at or after index `since` of `events`."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for event in self.events[since:]:
                if event.get("method") == method:
                    return event
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise CdpError(f"no {method} event within {timeout} s")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=remaining)
            except TimeoutError:
                continue

    async def open(self, url: str) -> None:
        """Navigate and wait for the load event (scripts at the end of the body have run)."""
        since = len(self.events)
        await self.send("Page.navigate", url=url)
        await self.wait_for("Page.loadEventFired", since=since)

    def named(self, *methods: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event.get("method") in methods]
