"""The out-of-band callback listener as the engine lends it to a check (`ctx.callback_listener()`).

Checks never open sockets: a check that must watch the target call back (jku/x5u injection, a
foreign `iss`) asks its context, and the engine opens an `oob.OobListener` for the task — on
127.0.0.1 and an ephemeral port by default, or, with an external `oob_url`, on the fixed
`oob_listen` address ("host:port") the operator forwards it to. A fixed port cannot be bound
twice, so then one task at a time holds it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from authsift.oob import OobListener

_FIXED_PORT_LOCK = "oob.fixed_port_lock"  # key in the scan-wide `shared` blackboard


@asynccontextmanager
async def open_listener(
    settings: Mapping[str, Any], shared: dict[str, Any]
) -> AsyncIterator[OobListener]:
    """A running listener for one task, closed on exit. `settings`: the scan's `ScanFacts.settings`
    (`oob_url`, `oob_listen`); `shared`: the scan-wide dict that holds the fixed port's lock."""
    external = str(settings.get("oob_url") or "") or None
    listen = str(settings.get("oob_listen") or "")
    host, _, port = listen.rpartition(":")
    if external is None or not port.isdigit():
        async with OobListener(public_url=external) as listener:
            yield listener
        return
    lock: asyncio.Lock = shared.setdefault(_FIXED_PORT_LOCK, asyncio.Lock())
    async with lock, OobListener(host or "127.0.0.1", int(port), public_url=external) as listener:
        yield listener
