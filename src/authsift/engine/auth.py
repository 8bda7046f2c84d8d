"""Identities: log each one in, keep its credential fresh, put it on requests.

Freshness is both proactive (renew shortly before `exp`/`expires_in`) and reactive (a 401 to an
identity's request renews once — refresh token first, then a new login — and the session replays
the request), so that no check ever judges a response spoiled by a stale token.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
import urllib.parse
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from jsonpath_ng.ext import parse as jsonpath_parse  # type: ignore[attr-defined]

from authsift.engine.credentials import Credential, apply_credential, jwt_claims
from authsift.engine.redact import Redactor, placeholder_for
from authsift.engine.session import HttpSession
from authsift.model import Exchange, HttpRequest

log = logging.getLogger(__name__)


class AuthError(Exception):
    """An identity could not log in; the message names the identity and the reason."""


@dataclass(frozen=True, slots=True)
class Locator:
    """Where a value is found in a login response: a JSONPath in the body, a header or a cookie."""

    source: Literal["body", "header", "cookie"]
    path: str = ""  # JSONPath for body
    name: str = ""  # header or cookie name


@dataclass(frozen=True, slots=True)
class LoginRecipe:
    method: str
    path: str
    token: Locator
    apply: Credential  # placement, name and template; the token is filled in at login
    json_body: dict[str, Any] | None = None
    form_body: dict[str, str] | None = None
    basic: tuple[str, str] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    refresh_token: Locator | None = None
    expires_in: Locator | None = None
    csrf_request: tuple[str, str] | None = None  # (method, path)
    csrf_token: Locator | None = None
    csrf_apply_header: str | None = None
    csrf_apply_field: str | None = None


@dataclass(frozen=True, slots=True)
class OAuth2Recipe:
    grant: Literal["client_credentials", "password", "refresh_token"]
    token_url: str
    client_id: str
    client_secret: str | None = None
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    scope: str | None = None
    audience: str | None = None
    auth_method: Literal["client_secret_basic", "client_secret_post", "none"] = (
        "client_secret_basic"
    )


@dataclass(frozen=True, slots=True)
class IdentitySpec:
    name: str
    role: str
    auth_type: str
    scopes: tuple[str, ...] = ()
    static: Credential | None = None
    login: LoginRecipe | None = None
    oauth2: OAuth2Recipe | None = None
    refresh_endpoint: tuple[str, str] | None = None  # (method, path) from config.endpoints.refresh

    @property
    def privileged_in(self) -> bool:
        return False


@dataclass(slots=True)
class IdentityState:
    spec: IdentitySpec
    credential: Credential | None = None
    refresh_token: str | None = None
    session_cookies: dict[str, str] = field(default_factory=dict)
    generation: int = (
        0  # bumped on every renewal, so a 401 to an old token is not a reason to renew
    )
    renewals: int = 0
    login_exchange: Exchange | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class AuthManager:
    """The session's `CredentialApplier`: per identity, a credential that is always fresh."""

    def __init__(self, specs: list[IdentitySpec], target: str, redactor: Redactor) -> None:
        self.target = target.rstrip("/")
        self.redactor = redactor
        self.states = {spec.name: IdentityState(spec) for spec in specs}
        self.session: HttpSession | None = None
        self.clock = time.time

    def bind(self, session: HttpSession) -> None:
        self.session = session

    # ---------------------------------------------------------------- CredentialApplier

    async def apply(self, identity: str, request: HttpRequest) -> HttpRequest:
        state = self.states[identity]
        if state.credential is None or self._expiring(state.credential):
            await self._renew(state, seen_generation=state.generation)
        request = apply_credential(request, state.credential)
        if state.session_cookies and (
            state.credential is None or state.credential.placement != "cookie"
        ):
            cookie = "; ".join(f"{k}={v}" for k, v in state.session_cookies.items())
            request = apply_credential(
                request, Credential("cookie", "", cookie, template="{token}")
            )
        return request

    async def on_unauthorized(self, identity: str, request: HttpRequest) -> bool:
        state = self.states[identity]
        if state.spec.login is None and state.spec.oauth2 is None:
            return False  # a static credential cannot be renewed
        used = state.credential.value if state.credential else None
        sent_current = used is not None and used in _request_text(request)
        if not sent_current:
            return True  # renewed by another task since this request was built: replay
        await self._renew(state, seen_generation=state.generation)
        return True

    # ---------------------------------------------------------------- public helpers

    def credential(self, identity: str) -> Credential | None:
        return self.states[identity].credential

    async def login_all(self) -> dict[str, str]:
        """Log every identity in; returns identity → failure reason for those that failed."""
        failures: dict[str, str] = {}
        for name, state in self.states.items():
            try:
                await self._renew(state, seen_generation=state.generation)
            except AuthError as exc:
                failures[name] = str(exc)
        return failures

    # ---------------------------------------------------------------- internals

    def _expiring(self, credential: Credential) -> bool:
        if credential.expires_at is None:
            return False
        margin = 0.5
        return self.clock() >= credential.expires_at - margin

    async def _renew(self, state: IdentityState, *, seen_generation: int) -> None:
        async with state.lock:
            if state.generation != seen_generation and state.credential is not None:
                return  # someone else renewed while we waited
            spec = state.spec
            if spec.static is not None:
                state.credential = spec.static
                self._register(spec.name, spec.static.token, "token")
            elif spec.login is not None:
                refreshed = state.credential is not None and await self._refresh(state)
                if not refreshed:
                    await self._login(state, spec.login)
            elif spec.oauth2 is not None:
                await self._oauth2(state, spec.oauth2)
            state.generation += 1
            state.renewals += 1

    async def _send(self, request: HttpRequest, identity: str) -> Exchange:
        assert self.session is not None, "AuthManager.bind(session) first"
        return await self.session.send(request, identity=identity, auth_flow=True)

    async def _login(self, state: IdentityState, recipe: LoginRecipe) -> None:
        name = state.spec.name
        headers = list(recipe.headers)
        cookies: dict[str, str] = {}
        json_body = dict(recipe.json_body) if recipe.json_body is not None else None
        form_body = dict(recipe.form_body) if recipe.form_body is not None else None
        if recipe.csrf_request is not None and recipe.csrf_token is not None:
            method, path = recipe.csrf_request
            csrf = await self._send(HttpRequest(method, self.target + path), name)
            cookies.update(_set_cookies(csrf))
            token = _locate(csrf, recipe.csrf_token)
            if token is None:
                raise AuthError(f"{name}: CSRF pre-request {method} {path} gave no token")
            if recipe.csrf_apply_header:
                headers.append((recipe.csrf_apply_header, token))
            if recipe.csrf_apply_field:
                if json_body is not None:
                    json_body[recipe.csrf_apply_field] = token
                elif form_body is not None:
                    form_body[recipe.csrf_apply_field] = token
        body: bytes | None = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers.append(("Content-Type", "application/json"))
        elif form_body is not None:
            body = urllib.parse.urlencode(form_body).encode()
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        if recipe.basic is not None:
            pair = base64.b64encode(f"{recipe.basic[0]}:{recipe.basic[1]}".encode()).decode()
            headers.append(("Authorization", f"Basic {pair}"))
        if cookies:
            headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items())))
        headers.append(("Accept", "application/json"))
        request = HttpRequest(recipe.method, self.target + recipe.path, tuple(headers), body)
        exchange = await self._send(request, name)
        state.login_exchange = exchange
        if exchange.response is None:
            raise AuthError(f"{name}: login {recipe.method} {recipe.path} failed: {exchange.error}")
        if exchange.response.status >= 400:
            raise AuthError(f"{name}: login returned {exchange.response.status}")
        token = _locate(exchange, recipe.token)
        if not token:
            where = recipe.token.path or recipe.token.name
            raise AuthError(
                f"{name}: login answered {exchange.response.status} without a token at {where}"
            )
        self._store(state, recipe.apply, token, exchange, recipe.refresh_token, recipe.expires_in)
        state.session_cookies = {**cookies, **_set_cookies(exchange)}
        for cookie_value in state.session_cookies.values():
            self._register(name, cookie_value, "cookie")

    async def _refresh(self, state: IdentityState) -> bool:
        spec = state.spec
        if state.refresh_token is None or spec.refresh_endpoint is None or spec.login is None:
            return False
        method, path = spec.refresh_endpoint
        body = json.dumps({"refresh_token": state.refresh_token}).encode()
        request = HttpRequest(
            method, self.target + path, (("Content-Type", "application/json"),), body
        )
        exchange = await self._send(request, spec.name)
        if exchange.response is None or exchange.response.status >= 400:
            log.info("%s: refresh failed (%s); logging in again", spec.name, exchange.status)
            return False
        token = _locate(exchange, spec.login.token)
        if not token:
            return False
        self._store(
            state,
            spec.login.apply,
            token,
            exchange,
            spec.login.refresh_token,
            spec.login.expires_in,
        )
        return True

    async def _oauth2(self, state: IdentityState, recipe: OAuth2Recipe) -> None:
        name = state.spec.name
        form: dict[str, str] = {"grant_type": recipe.grant}
        if recipe.grant == "password":
            form.update(username=recipe.username or "", password=recipe.password or "")
        if recipe.grant == "refresh_token":
            form["refresh_token"] = state.refresh_token or recipe.refresh_token or ""
        if recipe.scope:
            form["scope"] = recipe.scope
        if recipe.audience:
            form["audience"] = recipe.audience
        headers = [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        ]
        if recipe.auth_method == "client_secret_basic" and recipe.client_secret:
            pair = (
                f"{urllib.parse.quote(recipe.client_id)}:{urllib.parse.quote(recipe.client_secret)}"
            )
            headers.append(("Authorization", "Basic " + base64.b64encode(pair.encode()).decode()))
        else:
            form["client_id"] = recipe.client_id
            if recipe.client_secret and recipe.auth_method == "client_secret_post":
                form["client_secret"] = recipe.client_secret
        url = recipe.token_url if "://" in recipe.token_url else self.target + recipe.token_url
        request = HttpRequest("POST", url, tuple(headers), urllib.parse.urlencode(form).encode())
        exchange = await self._send(request, name)
        state.login_exchange = exchange
        if exchange.response is None or exchange.response.status >= 400:
            raise AuthError(f"{name}: token endpoint returned {exchange.status or exchange.error}")
        token = _locate(exchange, Locator("body", "$.access_token"))
        if not token:
            raise AuthError(f"{name}: token endpoint answered without access_token")
        template = Credential("header", "Authorization", "", template="Bearer {token}")
        self._store(
            state,
            template,
            token,
            exchange,
            Locator("body", "$.refresh_token"),
            Locator("body", "$.expires_in"),
        )

    def _store(
        self,
        state: IdentityState,
        template: Credential,
        token: str,
        exchange: Exchange,
        refresh_locator: Locator | None,
        expires_locator: Locator | None,
    ) -> None:
        expires_at = _expiry(
            token, _locate(exchange, expires_locator) if expires_locator else None, self.clock()
        )
        state.credential = replace(template, token=token, expires_at=expires_at)
        self._register(state.spec.name, token, "token")
        if refresh_locator is not None:
            refresh = _locate(exchange, refresh_locator)
            if refresh:
                state.refresh_token = refresh
                self._register(state.spec.name, refresh, "refresh_token")

    def _register(self, identity: str, secret: str, field_name: str) -> None:
        self.redactor.add(secret, placeholder_for(identity, field_name))


def _expiry(token: str, expires_in: str | None, now: float) -> float | None:
    claims = jwt_claims(token)
    exp = claims.get("exp") if claims is not None else None
    if isinstance(exp, int | float) and expires_in is None:
        return float(exp)
    if expires_in is not None:
        try:
            return now + float(expires_in)
        except ValueError:
            return None
    return None


def _locate(exchange: Exchange, locator: Locator) -> str | None:
    response = exchange.response
    if response is None:
        return None
    if locator.source == "header":
        value = response.header(locator.name)
        if value and value.lower().startswith("bearer "):
            value = value[7:]
        return value
    if locator.source == "cookie":
        return _set_cookies(exchange).get(locator.name)
    try:
        document = json.loads(response.body)
    except ValueError:
        return None
    matches = jsonpath_parse(locator.path or "$.access_token").find(document)
    if not matches:
        return None
    value = matches[0].value
    return None if value is None or isinstance(value, dict | list) else str(value)


def _set_cookies(exchange: Exchange) -> dict[str, str]:
    if exchange.response is None:
        return {}
    jar: dict[str, str] = {}
    for name, value in exchange.response.headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, cookie_value = pair.partition("=")
            if key.strip():
                jar[key.strip()] = cookie_value.strip()
    return jar


def _request_text(request: HttpRequest) -> str:
    return request.url + "\n" + "\n".join(v for _, v in request.headers)
