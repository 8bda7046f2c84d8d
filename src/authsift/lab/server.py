"""Serve the lab with uvicorn, always on 127.0.0.1.

Two ways in: `serve()` blocks (the `authsift lab` command), `run_in_thread()` runs a server in a
daemon thread for tests and `authsift demo`. Both bind the loopback interface only: the lab is
deliberately vulnerable and must never be reachable from another machine.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn

from authsift.lab.app import create_app
from authsift.lab.flaws import LabSettings
from authsift.lab.token_issue import TokenObserver

LOOPBACK = "127.0.0.1"
_STARTUP_TIMEOUT_SECONDS = 10.0
_SHUTDOWN_TIMEOUT_SECONDS = 5.0

logger = logging.getLogger(__name__)


class LabStartupError(RuntimeError):
    pass


def _bind_loopback(port: int) -> socket.socket:
    """Bind before uvicorn starts so that port 0 resolves to a known free port without a race.

    A port that is taken (or out of range) is a `LabStartupError` that says so in one line."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((LOOPBACK, port))
    except (OSError, OverflowError) as exc:
        sock.close()
        reason = getattr(exc, "strerror", None) or str(exc)
        raise LabStartupError(
            f"cannot listen on {LOOPBACK}:{port}: {reason} (choose another with --port, "
            "or --port 0 for any free port)"
        ) from None
    sock.set_inheritable(True)
    return sock


def _uvicorn_server(
    settings: LabSettings,
    clock: Callable[[], float] | None,
    token_observer: TokenObserver | None = None,
) -> uvicorn.Server:
    app = create_app(settings, clock=clock, token_observer=token_observer)
    config = uvicorn.Config(
        app,
        host=LOOPBACK,
        log_level="warning",
        access_log=False,
        lifespan="off",
        # X-Forwarded-* stay plain headers: the lab reads X-Forwarded-Proto itself (the
        # cleartext-credentials guard), and the token issuer must not change with it.
        proxy_headers=False,
        timeout_graceful_shutdown=1,
    )
    return uvicorn.Server(config)


@contextmanager
def run_in_thread(
    settings: LabSettings,
    *,
    port: int = 0,
    clock: Callable[[], float] | None = None,
    token_observer: TokenObserver | None = None,
) -> Iterator[str]:
    """Yield the base URL (`http://127.0.0.1:<port>`) of a lab running in a daemon thread.

    Waits until uvicorn reports it is serving; on exit asks it to stop and joins the thread.
    `token_observer` (called from the server thread) hears of every token the lab mints.
    """
    sock = _bind_loopback(port)
    bound_port = sock.getsockname()[1]
    server = _uvicorn_server(settings, clock, token_observer)
    thread = threading.Thread(
        target=server.run,
        kwargs={"sockets": [sock]},
        name=f"authsift-lab-{bound_port}",
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + _STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise LabStartupError(f"lab did not start on {LOOPBACK}:{bound_port}")
        time.sleep(0.01)
    try:
        yield f"http://{LOOPBACK}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(_SHUTDOWN_TIMEOUT_SECONDS)
        sock.close()


def serve(
    settings: LabSettings, port: int, on_listening: Callable[[str], None] | None = None
) -> None:
    """Run the lab in the foreground until interrupted (Ctrl-C).

    `on_listening` gets the base URL once the port is bound (the CLI prints how to log in)."""
    sock = _bind_loopback(port)
    bound_port = sock.getsockname()[1]
    server = _uvicorn_server(settings, None)
    base_url = f"http://{LOOPBACK}:{bound_port}"
    if on_listening is not None:
        on_listening(base_url)
    else:
        mode = "hardened" if settings.hardened else f"{len(settings.flaws)} flaw(s) on"
        logger.warning("authsift lab listening on %s (%s)", base_url, mode)
    for flaw_id in sorted(settings.flaws):
        logger.info("flaw on: %s", flaw_id)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
