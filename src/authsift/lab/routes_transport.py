"""Edge behaviour: CORS, the TLS-terminating proxy contract, path folding and error pages.

These are the layers a real deployment puts in front of its handlers, and the places three
transport flaws live: a CORS policy that reflects any Origin with credentials, an app that
processes credentials which reached the proxy over plain HTTP, and an error page that echoes the
request's credentials back.
"""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authsift.lab.flaws import LabSettings

# The one browser front end allowed to call the API with credentials.
TRUSTED_ORIGINS = ("https://app.lab.example",)
# RFC 6797 §6.1: max-age is required; one year, subdomains included.
HSTS_VALUE = "max-age=31536000; includeSubDomains"
_CREDENTIAL_HEADERS = (b"authorization", b"x-api-key", b"cookie")
_ECHOED_STATUSES = frozenset({403, 404, 422})


class PathCaseFoldingMiddleware:
    """Match literal path segments case-insensitively, like the IIS/ASP.NET deployment the lab
    imitates: `/Admin/Users/2` routes to `/admin/users/{user_id}`.

    Only segments that are literal parts of a resource route are folded, so parameter values (UUIDs,
    codes, slugs) keep their spelling. `raw_path` keeps the client's spelling; the flawed admin
    rule (authz-path-variant-bypass) reads it, the router reads the folded `path`.
    """

    def __init__(self, app: ASGIApp, route_paths: tuple[str, ...]) -> None:
        self.app = app
        self.literals = frozenset(
            segment
            for path in route_paths
            for segment in path.split("/")
            if segment and not segment.startswith("{")
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            folded = "/".join(
                segment.lower() if segment.lower() in self.literals else segment
                for segment in scope["path"].split("/")
            )
            scope = {**scope, "path": folded}
            scope.setdefault("raw_path", scope["path"].encode())
        await self.app(scope, receive, send)


class ForwardedProtoGuard:
    """The lab stands behind a TLS-terminating proxy that reports the client's scheme.

    RFC 6750 §5.3: "Always use TLS (https)" — hardened, a credentialed request that reached the
    proxy over plain http is refused before any handler sees it, and every response carries
    Strict-Transport-Security (RFC 6797). With `transport-cleartext-credentials` on, neither.
    """

    def __init__(self, app: ASGIApp, settings: LabSettings) -> None:
        self.app = app
        self.flawed = settings.on("transport-cleartext-credentials")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.flawed:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        cleartext = headers.get(b"x-forwarded-proto", b"https").strip().lower() == b"http"
        credentialed = any(name in headers for name in _CREDENTIAL_HEADERS) or (
            b"api_key=" in scope.get("query_string", b"")
        )
        if cleartext and credentialed:
            refusal = JSONResponse(
                {"detail": "https_required", "message": "credentials must be sent over https"},
                status_code=403,
                headers={"Strict-Transport-Security": HSTS_VALUE},
            )
            await refusal(scope, receive, send)
            return

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"strict-transport-security", HSTS_VALUE.encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_hsts)


def install_edge(app: FastAPI, settings: LabSettings, route_paths: tuple[str, ...]) -> None:
    """Add the edge middlewares; the last added runs first (outermost).

    `route_paths` are the paths whose literal segments route case-insensitively.
    """
    app.add_middleware(PathCaseFoldingMiddleware, route_paths=route_paths)
    app.add_middleware(ForwardedProtoGuard, settings=settings)
    if settings.on("transport-cors-credentialed-reflection"):
        # "Allow every origin" written as a regex because `*` is refused with credentials, which
        # turns it into reflection of any Origin, `null` included, with credentials allowed.
        app.add_middleware(
            CORSMiddleware,
            allow_origin_regex=r".*",
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    else:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(TRUSTED_ORIGINS),
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key"],
        )
    _install_error_pages(app, settings)


def _echo_of_request(request: Request) -> dict[str, object]:
    """What the flawed "helpful" error page adds: the request as received, credentials included."""
    return {
        "method": request.method,
        "path": request.url.path,
        "headers": {name: value for name, value in request.headers.items()},
    }


def _install_error_pages(app: FastAPI, settings: LabSettings) -> None:
    echo = settings.on("transport-credential-exposure")

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        response = await http_exception_handler(request, exc)
        if echo and exc.status_code in _ECHOED_STATUSES:
            body = {"detail": exc.detail, "request": _echo_of_request(request)}
            return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
        return response

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        response = await request_validation_exception_handler(request, exc)
        if echo:
            body = json.loads(bytes(response.body))
            body["request"] = _echo_of_request(request)
            return JSONResponse(body, status_code=response.status_code)
        return response

    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
