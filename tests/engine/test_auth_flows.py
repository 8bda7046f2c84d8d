"""Every way an identity logs in, against a real server: the token lands where it should, is
refreshed before it expires, renewed after a 401, and registered with the redactor."""

from __future__ import annotations

import base64
import itertools
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from authsift.engine.auth import (
    AuthError,
    AuthManager,
    IdentitySpec,
    Locator,
    LoginRecipe,
    OAuth2Recipe,
)
from authsift.engine.credentials import Credential
from authsift.engine.redact import Redactor
from authsift.engine.scope import Scope
from authsift.engine.session import HttpSession, SessionSettings
from authsift.model import HttpRequest

BEARER = Credential("header", "Authorization", "", "Bearer {token}")


class Server:
    def __init__(self) -> None:
        self.counter = itertools.count(1)
        self.valid: set[str] = set()
        self.seen: list[dict[str, Any]] = []
        self.refreshes = 0

    def issue(self) -> str:
        token = f"tok-{next(self.counter)}-{time.time_ns()}"
        self.valid.add(token)
        return token

    def app(self) -> web.Application:
        app = web.Application()

        async def json_login(request: web.Request) -> web.Response:
            body = await request.json()
            self.seen.append({"path": "json", "body": body, "headers": dict(request.headers)})
            if body != {"username": "alice", "password": "pw-alice", "csrf": "c-123"} and body != {
                "username": "alice",
                "password": "pw-alice",
            }:
                return web.json_response({"error": "bad"}, status=401)
            return web.json_response({"data": {"token": self.issue()}, "refresh": "rt-1", "ttl": 1})

        async def form_login(request: web.Request) -> web.Response:
            form = await request.post()
            if form.get("user") != "bob" or form.get("pass") != "pw-bob":
                return web.Response(status=401)
            response = web.json_response({"ok": True})
            response.headers["X-Auth-Token"] = self.issue()
            return response

        async def basic_login(request: web.Request) -> web.Response:
            expected = "Basic " + base64.b64encode(b"carol:pw-carol").decode()
            if request.headers.get("Authorization") != expected:
                return web.Response(status=401)
            response = web.json_response({"ok": True})
            response.set_cookie("sid", self.issue())
            return response

        async def csrf(request: web.Request) -> web.Response:
            response = web.json_response({"csrf": "c-123"})
            response.set_cookie("csrf_cookie", "cc")
            return response

        async def refresh(request: web.Request) -> web.Response:
            self.refreshes += 1
            body = await request.json()
            if body.get("refresh_token") != "rt-1":
                return web.json_response({"error": "invalid_grant"}, status=400)
            return web.json_response(
                {"data": {"token": self.issue()}, "refresh": "rt-1", "ttl": 300}
            )

        async def token(request: web.Request) -> web.Response:
            form = await request.post()
            self.seen.append(
                {"path": "token", "form": dict(form), "headers": dict(request.headers)}
            )
            expected = "Basic " + base64.b64encode(b"svc:svc-secret").decode()
            grant = form.get("grant_type")
            if grant == "client_credentials" and request.headers.get("Authorization") == expected:
                return web.json_response({"access_token": self.issue(), "expires_in": 300})
            if (
                grant == "password"
                and form.get("username") == "dave"
                and form.get("password") == "pw-dave"
            ):
                return web.json_response({"access_token": self.issue(), "refresh_token": "ort"})
            return web.json_response({"error": "invalid_client"}, status=401)

        async def me(request: web.Request) -> web.Response:
            header = request.headers.get("Authorization", "")
            cookie = request.cookies.get("sid")
            token = (
                header.split(" ", 1)[-1]
                if header
                else cookie or request.headers.get("X-Auth-Token")
            )
            if token not in self.valid:
                return web.json_response({"error": "unauthorized"}, status=401)
            return web.json_response({"me": "ok"})

        async def revoke_all(request: web.Request) -> web.Response:
            self.valid.clear()
            return web.json_response({})

        app.router.add_post("/login/json", json_login)
        app.router.add_post("/login/form", form_login)
        app.router.add_post("/login/basic", basic_login)
        app.router.add_get("/csrf", csrf)
        app.router.add_post("/refresh", refresh)
        app.router.add_post("/token", token)
        app.router.add_get("/me", me)
        app.router.add_post("/revoke-all", revoke_all)
        return app


@pytest.fixture
async def live() -> AsyncIterator[tuple[str, Server]]:
    server = Server()
    test_server = TestServer(server.app(), host="127.0.0.1")
    await test_server.start_server()
    try:
        yield str(test_server.make_url("")).rstrip("/"), server
    finally:
        await test_server.close()


async def _manager(
    url: str, specs: list[IdentitySpec]
) -> tuple[AuthManager, HttpSession, Redactor]:
    redactor = Redactor()
    auth = AuthManager(specs, url, redactor)
    session = HttpSession(Scope(url), SessionSettings(rate=0), credentials=auth)
    await session.__aenter__()
    auth.bind(session)
    return auth, session, redactor


async def _me(session: HttpSession, url: str, identity: str) -> int | None:
    return (await session.send(HttpRequest("GET", url + "/me"), identity=identity)).status


async def test_json_login_with_csrf_jsonpath_refresh_and_expiry(live: tuple[str, Server]) -> None:
    url, server = live
    recipe = LoginRecipe(
        "POST",
        "/login/json",
        token=Locator("body", "$.data.token"),
        apply=BEARER,
        json_body={"username": "alice", "password": "pw-alice"},
        refresh_token=Locator("body", "$.refresh"),
        expires_in=Locator("body", "$.ttl"),
        csrf_request=("GET", "/csrf"),
        csrf_token=Locator("body", "$.csrf"),
        csrf_apply_field="csrf",
    )
    auth, session, redactor = await _manager(
        url,
        [
            IdentitySpec(
                "alice", "user", "login", login=recipe, refresh_endpoint=("POST", "/refresh")
            )
        ],
    )
    try:
        assert await auth.login_all() == {}
        assert (
            server.seen[0]["body"]["csrf"] == "c-123"
            and "csrf_cookie=cc" in server.seen[0]["headers"]["Cookie"]
        )
        first = auth.credential("alice")
        assert first is not None and first.expires_at is not None
        time.sleep(1.1)  # ttl 1 s: the next request must refresh proactively
        assert await _me(session, url, "alice") == 200
        assert server.refreshes == 1 and auth.credential("alice") != first
        assert (
            redactor.text(first.token) == "$ALICE_TOKEN"
            and redactor.text("rt-1") == "$ALICE_REFRESH_TOKEN"
        )
    finally:
        await session.__aexit__(None, None, None)


async def test_form_login_token_from_header_and_reactive_renewal(live: tuple[str, Server]) -> None:
    url, _ = live
    recipe = LoginRecipe(
        "POST",
        "/login/form",
        token=Locator("header", name="X-Auth-Token"),
        apply=BEARER,
        form_body={"user": "bob", "pass": "pw-bob"},
    )
    auth, session, _ = await _manager(url, [IdentitySpec("bob", "user", "login", login=recipe)])
    try:
        assert await auth.login_all() == {}
        assert await _me(session, url, "bob") == 200
        await session.send(HttpRequest("POST", url + "/revoke-all"), auth_flow=True)
        assert await _me(session, url, "bob") == 200  # 401 → logged in again → replayed
        assert auth.states["bob"].renewals == 2
    finally:
        await session.__aexit__(None, None, None)


async def test_basic_login_session_cookie(live: tuple[str, Server]) -> None:
    url, _ = live
    recipe = LoginRecipe(
        "POST",
        "/login/basic",
        token=Locator("cookie", name="sid"),
        apply=Credential("cookie", "sid", ""),
        basic=("carol", "pw-carol"),
    )
    auth, session, _ = await _manager(url, [IdentitySpec("carol", "admin", "login", login=recipe)])
    try:
        assert await auth.login_all() == {}
        assert await _me(session, url, "carol") == 200
    finally:
        await session.__aexit__(None, None, None)


async def test_oauth2_client_credentials_and_password_grants(live: tuple[str, Server]) -> None:
    url, server = live
    specs = [
        IdentitySpec(
            "svc",
            "service",
            "oauth2",
            oauth2=OAuth2Recipe("client_credentials", "/token", "svc", "svc-secret", scope="read"),
        ),
        IdentitySpec(
            "dave",
            "user",
            "oauth2",
            oauth2=OAuth2Recipe(
                "password",
                url + "/token",
                "web",
                None,
                username="dave",
                password="pw-dave",
                auth_method="none",
            ),
        ),
    ]
    auth, session, redactor = await _manager(url, specs)
    try:
        assert await auth.login_all() == {}
        assert await _me(session, url, "svc") == 200 and await _me(session, url, "dave") == 200
        token_calls = [s for s in server.seen if s["path"] == "token"]
        assert token_calls[0]["form"] == {"grant_type": "client_credentials", "scope": "read"}
        assert token_calls[1]["form"]["client_id"] == "web"
        assert redactor.text("ort") == "ort"  # shorter than 4 characters: not a redactable secret
    finally:
        await session.__aexit__(None, None, None)


async def test_failed_login_names_the_identity(live: tuple[str, Server]) -> None:
    url, _ = live
    recipe = LoginRecipe(
        "POST",
        "/login/json",
        token=Locator("body", "$.data.token"),
        apply=BEARER,
        json_body={"username": "alice", "password": "wrong"},
    )
    auth, session, _ = await _manager(url, [IdentitySpec("alice", "user", "login", login=recipe)])
    try:
        assert await auth.login_all() == {"alice": "alice: login returned 401"}
        with pytest.raises(AuthError):
            await auth.apply("alice", HttpRequest("GET", url + "/me"))
    finally:
        await session.__aexit__(None, None, None)


async def test_bodies_are_read_whole_up_to_the_cap() -> None:
    """`StreamReader.read(n)` returns what is buffered; the session must read to the end."""
    payload = b'{"items": "' + b"x" * 300_000 + b'"}'

    async def big(request: web.Request) -> web.Response:
        return web.Response(body=payload, content_type="application/json")

    app = web.Application()
    app.router.add_get("/big", big)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    url = str(server.make_url("/big"))
    try:
        async with HttpSession(Scope(url), SessionSettings(rate=0)) as session:
            whole = await session.send(HttpRequest("GET", url))
        assert whole.response is not None and whole.response.body == payload
        assert not whole.response.truncated
        async with HttpSession(Scope(url), SessionSettings(rate=0, max_body=1000)) as session:
            cut = await session.send(HttpRequest("GET", url))
        assert (
            cut.response is not None and len(cut.response.body) == 1000 and cut.response.truncated
        )
    finally:
        await server.close()
