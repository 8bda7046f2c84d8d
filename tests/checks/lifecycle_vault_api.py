"""A small notes vault behind an OAuth 2.0 password grant, for the session-ending token checks.

Unlike the lab (FastAPI, JSON login, JWTs): Starlette, form-encoded `POST /oauth2/token`
(`grant_type=password` or `refresh_token`, public client `vault-cli`), opaque random tokens,
`POST /v2/sign-out` to log out, RFC 7009 revocation at `POST /oauth2/revoke` announced in
`/.well-known/oauth-authorization-server`, and `GET /v2/whoami` / `GET /v2/notes` to use a
token. Each grant is a family: its access tokens and its chain of refresh tokens.

`VaultOptions` switch each behaviour between right (the default) and wrong, so one app is both
the decoy that must stay silent and the flawed API that must be found.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

USER, PASSWORD = "nina", "nina-vault-pass-71"
CLIENT = "vault-cli"


@dataclass
class VaultOptions:
    logout_revokes: bool = True
    logout_keeps_access_tokens: bool = False  # sign-out ends the refresh family only
    access_cache_seconds: float | None = None  # ... and its access tokens this much later
    revocation_works: bool = True
    rotate: bool = True
    revoke_family_on_reuse: bool = True
    reuse_grace: float = 0.0  # graceful rotation: a used refresh token works this long after
    old_refresh_stays_valid: bool = False  # rotation that never retires the old token
    access_lifetime: int = 600
    metadata: bool = True  # /.well-known/oauth-authorization-server announces the endpoints
    sign_out_path: str = "/v2/sign-out"


@dataclass
class Grant:
    revoked: bool = False
    access_dies_at: float | None = None  # a resource-server cache that forgets late
    current_refresh: str = ""
    used_refresh: dict[str, float] = field(default_factory=dict)  # token → when it was used


@dataclass
class VaultState:
    options: VaultOptions
    grants: dict[str, Grant] = field(default_factory=dict)
    access: dict[str, tuple[str, float]] = field(default_factory=dict)  # token → (grant, exp)
    refresh: dict[str, str] = field(default_factory=dict)  # refresh token → grant
    revoked_access: set[str] = field(default_factory=set)
    refused_grants: set[str] = field(default_factory=set)  # grants whose token got a 401
    sign_outs: int = 0
    revocations: int = 0

    def issue(self, grant_id: str, refresh: str | None = None) -> dict[str, Any]:
        access = "at_" + secrets.token_hex(16)
        self.access[access] = (grant_id, time.time() + self.options.access_lifetime)
        if refresh is None:
            refresh = "rt_" + secrets.token_hex(20)
            self.refresh[refresh] = grant_id
            self.grants[grant_id].current_refresh = refresh
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.options.access_lifetime,
            "refresh_token": refresh,
        }

    def caller(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        found = self.access.get(token)
        if found is None:
            return None
        grant = self.grants[found[0]]
        late = grant.access_dies_at is not None and time.time() >= grant.access_dies_at
        if token in self.revoked_access or time.time() > found[1] or grant.revoked or late:
            self.refused_grants.add(found[0])
            return None
        return found[0]


def make_app(options: VaultOptions) -> tuple[Starlette, VaultState]:
    state = VaultState(options)

    def oauth_error(error: str, status: int = 400) -> JSONResponse:
        return JSONResponse({"error": error}, status, headers={"Cache-Control": "no-store"})

    async def token(request: Request) -> Response:
        form = await _form(request)
        if form.get("client_id") != CLIENT:
            return oauth_error("invalid_client", 401)
        if form.get("grant_type") == "password":
            if form.get("username") != USER or form.get("password") != PASSWORD:
                return oauth_error("invalid_grant")
            grant_id = secrets.token_hex(8)
            state.grants[grant_id] = Grant()
            return JSONResponse(state.issue(grant_id), headers={"Cache-Control": "no-store"})
        if form.get("grant_type") == "refresh_token":
            presented = str(form.get("refresh_token", ""))
            grant_id = state.refresh.get(presented)
            grant = state.grants.get(grant_id or "")
            if grant is None or grant.revoked:
                return oauth_error("invalid_grant")
            used_at = grant.used_refresh.get(presented)
            if used_at is not None and time.time() - used_at < options.reuse_grace:
                assert grant_id is not None  # a retry within the window: the current pair
                return JSONResponse(state.issue(grant_id, refresh=grant.current_refresh))
            if used_at is not None:
                if options.revoke_family_on_reuse:
                    grant.revoked = True
                return oauth_error("invalid_grant")
            assert grant_id is not None
            if not options.rotate:
                return JSONResponse(state.issue(grant_id, refresh=presented))
            if not options.old_refresh_stays_valid:
                grant.used_refresh[presented] = time.time()
            return JSONResponse(state.issue(grant_id), headers={"Cache-Control": "no-store"})
        return oauth_error("unsupported_grant_type")

    async def revoke(request: Request) -> Response:
        form = await _form(request)
        state.revocations += 1
        presented = str(form.get("token", ""))
        if options.revocation_works:
            if presented in state.refresh:
                state.grants[state.refresh[presented]].revoked = True
            state.revoked_access.add(presented)
        return Response(status_code=200)  # RFC 7009 §2.2: 200 whatever the token was

    async def sign_out(request: Request) -> Response:
        grant_id = state.caller(request)
        if grant_id is None:
            return JSONResponse({"message": "sign in first"}, 401)
        state.sign_outs += 1
        if options.logout_keeps_access_tokens:
            for refresh, owner in list(state.refresh.items()):
                if owner == grant_id:
                    del state.refresh[refresh]
            if options.access_cache_seconds is not None:
                state.grants[grant_id].access_dies_at = time.time() + options.access_cache_seconds
        elif options.logout_revokes:
            state.grants[grant_id].revoked = True
        return JSONResponse({"signed_out": True})

    async def whoami(request: Request) -> Response:
        if state.caller(request) is None:
            return JSONResponse({"message": "sign in first"}, 401)
        return JSONResponse({"user": USER, "plan": "pro", "quota_mb": 512})

    async def notes(request: Request) -> Response:
        if state.caller(request) is None:
            return JSONResponse({"message": "sign in first"}, 401)
        return JSONResponse({"notes": [{"title": "groceries"}, {"title": "ideas"}]})

    async def metadata(request: Request) -> Response:
        if not options.metadata:
            return JSONResponse({"message": "not found"}, 404)
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "issuer": base,
                "token_endpoint": f"{base}/oauth2/token",
                "revocation_endpoint": f"{base}/oauth2/revoke",
                "grant_types_supported": ["password", "refresh_token"],
            }
        )

    async def spec(request: Request) -> Response:
        paths = {**SPEC["paths"], options.sign_out_path: SPEC["paths"]["/v2/sign-out"]}
        if options.sign_out_path != "/v2/sign-out":
            del paths["/v2/sign-out"]
        return JSONResponse({**SPEC, "paths": paths})

    routes = [
        Route("/oauth2/token", token, methods=["POST"]),
        Route("/oauth2/revoke", revoke, methods=["POST"]),
        Route(options.sign_out_path, sign_out, methods=["POST"]),
        Route("/v2/whoami", whoami),
        Route("/v2/notes", notes),
        Route("/.well-known/oauth-authorization-server", metadata),
        Route("/openapi.json", spec),
    ]
    return Starlette(routes=routes), state


async def _form(request: Request) -> dict[str, str]:
    """The form body (parsed here: Starlette's own parser needs python-multipart)."""
    pairs = urllib.parse.parse_qsl((await request.body()).decode(), keep_blank_values=True)
    return dict(pairs)


def _read(summary: str) -> dict[str, Any]:
    return {"summary": summary, "responses": {"200": {"description": "ok"}}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Vault", "version": "2"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/v2/whoami": {"get": _read("Who is signed in")},
        "/v2/notes": {"get": _read("My notes")},
        "/v2/sign-out": {"post": _read("Sign out")},
    },
}


def config(url: str) -> dict[str, Any]:
    return {
        "target": url,
        "spec": url + "/openapi.json",
        "identities": [
            {
                "name": "nina",
                "role": "user",
                "auth": {
                    "type": "oauth2",
                    "grant": "password",
                    "token_url": "/oauth2/token",
                    "client_id": CLIENT,
                    "auth_method": "none",
                    "username": USER,
                    "password": PASSWORD,
                },
            }
        ],
        "endpoints": {"logout": {"method": "POST", "path": "/v2/sign-out"}},
    }


@contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """Serve with uvicorn on a free 127.0.0.1 port in a daemon thread; yields the base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "vault API did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()
