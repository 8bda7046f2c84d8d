"""Operational endpoints: health (public, correct) and the debug routes left on by mistake.

`authz-unlisted-endpoint`: an "internal" bulk export of every order, never put in the spec and
never protected, because "only the back office calls it". Off, it answers 404.

`transport-debug-log-exposure`: a Spring-Boot-style actuator whose `httptrace` keeps the last
requests with their headers (Authorization included) and whose `env` dumps configuration. Both
are unauthenticated and undocumented, which is how they ship in real incidents. Off, the
recorder keeps nothing and the routes answer 404 like any unknown path.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from authsift.lab.deps import Lab
from authsift.lab.flaws import LabSettings

_TRACE_CAPACITY = 100


class RequestLog:
    """The last requests with their headers, as an HTTP-trace repository keeps them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=_TRACE_CAPACITY)

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def recent(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(reversed(self._entries))


class RequestRecorder:
    """ASGI middleware feeding the RequestLog, only while the debug flaw is on."""

    def __init__(self, app: ASGIApp, settings: LabSettings, log: RequestLog) -> None:
        self.app = app
        self.enabled = settings.on("transport-debug-log-exposure")
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.enabled and scope["type"] == "http":
            self.log.record(
                {
                    "timestamp": time.time(),
                    "method": scope["method"],
                    "path": scope["path"],
                    "query": scope.get("query_string", b"").decode("latin-1"),
                    "headers": {
                        k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]
                    },
                }
            )
        await self.app(scope, receive, send)


class Health(BaseModel):
    status: str


router = APIRouter()


@router.get("/health", response_model=Health, tags=["ops"], openapi_extra={"security": []})
def health() -> Health:
    return Health(status="ok")


def _debug_enabled(lab: Lab) -> None:
    if not lab.settings.on("transport-debug-log-exposure"):
        raise HTTPException(status_code=404, detail="Not Found")


@router.get("/actuator/httptrace", include_in_schema=False)
def http_trace(lab: Lab) -> dict[str, Any]:
    _debug_enabled(lab)
    return {"traces": lab.request_log.recent()}


@router.get("/actuator/env", include_in_schema=False)
def environment(lab: Lab) -> dict[str, Any]:
    _debug_enabled(lab)
    return {
        "activeProfiles": ["debug"],
        "propertySources": {
            "flaws": sorted(lab.settings.flaws),
            "database.url": "postgresql://lab:lab-db-password@127.0.0.1:5432/lab",
            "apikeys.seed": "authsift-lab-demo-seed-v1",
        },
    }


@router.get("/internal/export", include_in_schema=False)
def internal_export(lab: Lab) -> dict[str, Any]:
    if not lab.settings.on("authz-unlisted-endpoint"):
        raise HTTPException(status_code=404, detail="Not Found")
    orders = [order for user in lab.users.all() for order in lab.domain.orders_of(user.id)]
    return {
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "orders": [
            {
                "id": o.id,
                "customer_email": o.owner_email,
                "item": o.item,
                "quantity": o.quantity,
                "total_cents": o.total_cents,
                "note": o.note,
            }
            for o in sorted(orders, key=lambda o: o.id)
        ],
    }
