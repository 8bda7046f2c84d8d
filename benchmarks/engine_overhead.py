"""Engine overhead: authsift's HttpSession against bare aiohttp, same server, same run.

The engine adds a scope guard, exclusion/safety guards, credential application, budget
accounting, recording of every exchange and redaction of what it records (pacing off, as on a
loopback lab). Target (issue #2): the engine keeps at least 75 % of bare aiohttp's rate.
During a scan, redaction runs where data leaves the engine (evidence, curl, logs, the HAR
written at the end), so the engine's per-request rate is the first engine line; the second
adds redaction of every exchange inline, the cost of writing a HAR of the whole scan.

The server runs in a separate process so that it does not share the client's event loop; the
clients run the same number of requests at the same concurrency in interleaved rounds, and each
ratio is the median of per-round ratios (engine round ÷ the same round's bare run), so that
drift in the machine's load cancels out.

`--jwt` gives the identity an RS256-sized JWT instead of an opaque token: what most scans
carry, and what makes the redactor match its signature forms and look for near copies.

    python benchmarks/engine_overhead.py [--requests 4000] [--concurrency 8] [--rounds 7] [--jwt]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import multiprocessing
import socket
import statistics
import time

import aiohttp
from aiohttp import web

from authsift.engine.auth import AuthManager, IdentitySpec
from authsift.engine.credentials import Credential
from authsift.engine.recorder import Recorder
from authsift.engine.redact import Redactor
from authsift.engine.scope import Scope
from authsift.engine.session import HttpSession, SessionSettings
from authsift.model import HttpRequest

TOKEN = "bench-secret-token-0123456789abcdef"
# header.payload.signature of the lab's shape: RS256, 2048-bit key (342-character signature)
JWT = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImJlbmNoIn0."
    + base64.urlsafe_b64encode(json.dumps({"sub": "1", "jti": "x" * 22}).encode()).decode()
    + "."
    + base64.urlsafe_b64encode(bytes(range(256))).decode()
).replace("=", "")
BODY = b'{"id": 101, "username": "alice", "email": "alice@bench.example", "orders": [1, 2, 3]}'


def _serve(port: int) -> None:
    async def me(request: web.Request) -> web.Response:
        return web.Response(body=BODY, content_type="application/json")

    app = web.Application()
    app.router.add_get("/me", me)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_up(url: str) -> None:
    async with aiohttp.ClientSession() as client:
        for _ in range(100):
            try:
                async with client.get(url) as response:
                    await response.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
    raise RuntimeError("server did not start")


async def bare(url: str, total: int, concurrency: int, token: str = TOKEN) -> float:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as client:
        queue = iter(range(total))

        async def worker() -> None:
            for _ in queue:
                async with client.get(
                    url, headers={"Authorization": f"Bearer {token}"}
                ) as response:
                    await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return total / (time.perf_counter() - started)


async def engine(
    url: str, total: int, concurrency: int, *, redact_each: bool = True, token: str = TOKEN
) -> float:
    redactor = Redactor()
    redactor.add(token, "$ALICE_TOKEN")
    spec = IdentitySpec(
        "alice",
        "user",
        "bearer",
        static=Credential("header", "Authorization", token, "Bearer {token}"),
    )
    auth = AuthManager([spec], url, redactor)
    settings = SessionSettings(
        rate=0, concurrency=concurrency, max_requests=total + 10, max_time=600
    )
    recorder = Recorder(redactor=redactor)  # as in a scan: it learns tokens answers hand out
    async with HttpSession(Scope(url), settings, recorder=recorder, credentials=auth) as session:
        auth.bind(session)
        request = HttpRequest("GET", url, (("Accept", "application/json"),))
        queue = iter(range(total))

        async def worker() -> None:
            for _ in queue:
                exchange = await session.send(request, identity="alice")
                if redact_each:
                    redactor.exchange(exchange)  # what the HAR writer does with every exchange

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        rate = total / (time.perf_counter() - started)
    assert recorder.count == total
    return rate


def _rounds(rates: list[float]) -> str:
    return ", ".join(f"{rate:.0f}" for rate in rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--jwt", action="store_true", help="an RS256-sized JWT as the token")
    args = parser.parse_args()
    token = JWT if args.jwt else TOKEN
    port = _free_port()
    server = multiprocessing.Process(target=_serve, args=(port,), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{port}/me"
    runs = {
        "bare aiohttp": lambda: bare(url, args.requests, args.concurrency, token),
        "authsift engine": lambda: engine(
            url, args.requests, args.concurrency, redact_each=False, token=token
        ),
        "authsift engine + redaction of every exchange": lambda: engine(
            url, args.requests, args.concurrency, token=token
        ),
    }
    rates: dict[str, list[float]] = {name: [] for name in runs}
    try:
        asyncio.run(_wait_up(url))
        asyncio.run(bare(url, args.requests // 4, args.concurrency))  # warm-up, not counted
        for _ in range(args.rounds):  # interleaved, so drift in machine load hits all alike
            for name, run in runs.items():
                gc.collect()
                rates[name].append(asyncio.run(run()))
    finally:
        server.terminate()
        server.join(5)
    print(
        f"token: {'RS256-sized JWT' if args.jwt else 'opaque'}, "
        f"requests per round: {args.requests}, concurrency {args.concurrency}, "
        f"rounds {args.rounds} (medians; per-round ratios are paired with the same round's bare)"
    )
    baseline = rates["bare aiohttp"]
    for name, values in rates.items():
        ratios = [value / base for value, base in zip(values, baseline, strict=True)]
        print(
            f"{name:46} {statistics.median(values):7.0f} req/s  "
            f"ratio {statistics.median(ratios):.2f}"
            f"  (rounds: {_rounds(values)})"
        )
    engine_ratio = statistics.median(
        v / b for v, b in zip(rates["authsift engine"], baseline, strict=True)
    )
    verdict = "met" if engine_ratio >= 0.75 else "NOT met"
    print(f"engine ratio {engine_ratio:.2f} (target >= 0.75: {verdict})")


if __name__ == "__main__":
    main()
