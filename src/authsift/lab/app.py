"""Build the lab application: stores, the token side, the resource routers and the edge.

One app per `LabSettings`; `clock` is injectable so that token lifetimes and expiry can be tested
without sleeping. Everything a handler needs is in `app.state.lab` (a `LabState`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import FastAPI

from authsift.lab import (
    idp_routes,
    routes_account,
    routes_admin,
    routes_apikeys,
    routes_debug,
    routes_documents,
    routes_orders,
    routes_projects,
)
from authsift.lab.apikeys import ApiKeyStore
from authsift.lab.deps import LabState
from authsift.lab.flaws import LabSettings
from authsift.lab.idp_server import LabServer
from authsift.lab.routes_transport import install_edge
from authsift.lab.store import DomainStore
from authsift.lab.token_issue import TokenObserver
from authsift.lab.users import UserStore

_DESCRIPTION = (
    "authsift's built-in target. Vulnerable by design unless started with --hardened: never "
    "expose it beyond 127.0.0.1."
)


def create_app(
    settings: LabSettings,
    *,
    clock: Callable[[], float] | None = None,
    token_observer: TokenObserver | None = None,
) -> FastAPI:
    """`token_observer` is told every token the lab mints (tests that prove none leaks)."""
    from authsift.lab.auth_service import AuthService  # the token side (a separate module)

    now = clock or time.time
    users = UserStore()
    state = LabState(
        settings=settings,
        users=users,
        auth=AuthService(settings, users, clock=now, token_observer=token_observer),
        domain=DomainStore(users),
        api_keys=ApiKeyStore(settings),
        request_log=routes_debug.RequestLog(),
        clock=now,
    )
    app = FastAPI(
        title="authsift lab",
        version="1.0.0",
        description=_DESCRIPTION,
        docs_url=None,  # Swagger UI would load scripts from a CDN; the lab stays offline
        redoc_url=None,
    )
    app.state.lab = state
    app.include_router(state.auth.router())
    app.include_router(idp_routes.router(LabServer(settings, users, now), settings))
    resource_routers = [
        module.router
        for module in (
            routes_account,
            routes_orders,
            routes_documents,
            routes_projects,
            routes_admin,
            routes_apikeys,
            routes_debug,
        )
    ]
    for router in resource_routers:
        app.include_router(router)
    app.add_middleware(routes_debug.RequestRecorder, settings=settings, log=state.request_log)
    route_paths = tuple(
        path
        for router in resource_routers
        for path in (getattr(r, "path", "") for r in router.routes)
    )
    install_edge(app, settings, route_paths)
    return app
