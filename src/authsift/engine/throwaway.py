"""Throwaway sessions: a fresh, independent login of a configured identity.

The lifecycle checks (CHECKS.md #30–#38) end, revoke, rotate and replay sessions. They must never
do that to the scan's working session — a check that logs alice out would hand a 401 to every
other check. A throwaway session is a second login of the same identity with the same recipe
(`AuthManager._login`, or its OAuth 2.0 grant), kept entirely apart from the identity's working
state: its tokens are not in `AuthManager.states`, requests carrying them are sent anonymously
(`session.send(identity=None)`), so no 401 to them ever triggers a renewal, and every token it
obtains is registered with the redactor under a placeholder of its own (`$ALICE_THROWAWAY_1_TOKEN`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from jsonpath_ng.ext import parse as jsonpath_parse  # type: ignore[attr-defined]

from authsift.engine.auth import (
    AuthError,
    AuthManager,
    IdentitySpec,
    IdentityState,
    Locator,
    _locate,
    _set_cookies,
)
from authsift.engine.credentials import Credential, apply_credential, strip_credentials
from authsift.model import Exchange, HttpRequest

_BEARER = Credential("header", "Authorization", "", template="Bearer {token}")
_REFRESH_AT = Locator("body", "$.refresh_token")
_ID_TOKEN_AT = Locator("body", "$.id_token")
_EXPIRES_AT = Locator("body", "$.expires_in")
_REFRESH_EXPIRES = ("$.refresh_expires_in", "$.refresh_token_expires_in")


class ThrowawayUnavailable(Exception):
    """No throwaway session can be had (static credential, login failed, not independent)."""


@dataclass(frozen=True, slots=True)
class ThrowawaySession:
    """One fresh login of `identity`; implements `checks.base.ThrowawayView`."""

    identity: str  # the configured identity it logged in as
    label: str  # "alice-throwaway-1": the stem of its secrets' placeholders
    credential: Credential  # where and how its access token goes on a request
    refresh_token: str | None
    id_token: str | None
    cookies: Mapping[str, str]
    expires_in: float | None  # the raw login answer's `expires_in`, seconds
    refresh_expires_in: float | None  # `refresh_expires_in` / `refresh_token_expires_in`
    login: Exchange  # the login (or refresh) exchange that issued it
    issued_at: float  # unix time of the answer
    refresh_endpoint: tuple[str, str] | None = None  # (method, URL) where its RT is redeemed
    generation: int = 0  # 0 for the login, n for the n-th refresh

    @property
    def token(self) -> str:
        return self.credential.token

    @property
    def is_jwt(self) -> bool:
        return self.credential.is_jwt

    def apply(self, request: HttpRequest) -> HttpRequest:
        """`request` carrying this session's credential and cookies, and nobody else's."""
        stripped = strip_credentials(request, self.credential)
        request = apply_credential(stripped, self.credential)
        if self.cookies and self.credential.placement != "cookie":
            jar = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            request = apply_credential(request, Credential("cookie", "", jar, template="{token}"))
        return request


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    """One refresh-token redemption; implements `checks.base.RefreshView`."""

    exchange: Exchange
    refresh_token_sent: str
    session: ThrowawaySession | None = None  # the session it minted (AT2, RT2), when it did

    @property
    def accepted(self) -> bool:
        """2xx with a new access token: the refresh token was honoured."""
        return self.session is not None

    @property
    def status(self) -> int | None:
        return self.exchange.status


_COUNTER = itertools.count(1)  # labels unique in the process: each throwaway has placeholders


@dataclass(frozen=True, slots=True)
class Throwaways:
    """Logs identities in again, independently of their working sessions."""

    auth: AuthManager

    def can_login(self, identity: str) -> str | None:
        """None when `identity` has a login recipe that can be replayed, else why not."""
        state = self.auth.states.get(identity)
        if state is None:
            return f"no identity named {identity!r}"
        spec = state.spec
        if spec.login is not None:
            return None
        if spec.oauth2 is not None and spec.oauth2.grant == "password":
            return None
        if spec.oauth2 is not None:
            return f"{identity} uses the OAuth 2.0 {spec.oauth2.grant} grant: no user session"
        return f"{identity} has a static credential ({spec.auth_type}), no login recipe"

    async def login(self, identity: str) -> ThrowawaySession:
        reason = self.can_login(identity)
        if reason is not None:
            raise ThrowawayUnavailable(reason)
        working = self.auth.states[identity]
        label = f"{identity}-throwaway-{next(_COUNTER)}"
        state = IdentityState(replace(working.spec, name=label))
        try:
            if working.spec.login is not None:
                await self.auth._login(state, working.spec.login)
            else:
                assert working.spec.oauth2 is not None
                await self.auth._oauth2(state, working.spec.oauth2)
        except AuthError as exc:
            raise ThrowawayUnavailable(f"a fresh login of {identity} failed: {exc}") from None
        assert state.credential is not None and state.login_exchange is not None
        own = working.credential
        if own is not None and own.token == state.credential.token:
            raise ThrowawayUnavailable(
                f"a fresh login of {identity} returned the working session's own token: "
                "ending it would end the scan's session"
            )
        if working.refresh_token is not None and working.refresh_token == state.refresh_token:
            raise ThrowawayUnavailable(
                f"a fresh login of {identity} returned the working session's refresh token"
            )
        return self._session(
            working.spec,
            identity,
            label,
            state.credential,
            state.login_exchange,
            state.session_cookies,
        )

    async def refresh(
        self, session: ThrowawaySession, refresh_token: str | None = None
    ) -> RefreshOutcome:
        """Redeem `refresh_token` (default: the session's own) where the identity refreshes."""
        token = refresh_token or session.refresh_token
        if not token:
            raise ThrowawayUnavailable(f"the login of {session.identity} gave no refresh token")
        spec = self.auth.states[session.identity].spec
        if spec.oauth2 is not None:
            exchange = await self._oauth2_refresh(spec, session.label, token)
        elif spec.refresh_endpoint is not None:
            method, path = spec.refresh_endpoint
            body = json.dumps({"refresh_token": token}).encode()
            headers = (("Content-Type", "application/json"), ("Accept", "application/json"))
            request = HttpRequest(method, _absolute(self.auth.target, path), headers, body)
            exchange = await self.auth._send(request, session.label)
        else:
            raise ThrowawayUnavailable(
                f"no refresh endpoint for {session.identity} (endpoints.refresh)"
            )
        minted = self._minted(spec, session, exchange)
        return RefreshOutcome(exchange, token, minted)

    # ------------------------------------------------------------------ internals

    async def _oauth2_refresh(self, spec: IdentitySpec, label: str, token: str) -> Exchange:
        assert spec.oauth2 is not None
        recipe = replace(spec.oauth2, grant="refresh_token", refresh_token=token)
        state = IdentityState(replace(spec, name=label))
        with contextlib.suppress(AuthError):  # a refused refresh is an answer: read below
            await self.auth._oauth2(state, recipe)
        assert state.login_exchange is not None
        return state.login_exchange

    def _minted(
        self, spec: IdentitySpec, session: ThrowawaySession, exchange: Exchange
    ) -> ThrowawaySession | None:
        status = exchange.status
        if status is None or not 200 <= status < 300:
            return None
        locator = spec.login.token if spec.login is not None else Locator("body", "$.access_token")
        token = _locate(exchange, locator)
        if not token:
            return None
        generation = session.generation + 1
        label = f"{session.label}-r{generation}"
        self.auth._register(label, token, "token")
        credential = replace(session.credential, token=token, expires_at=None)
        cookies = {**session.cookies, **_set_cookies(exchange)}
        minted = self._session(
            spec, session.identity, label, credential, exchange, cookies, generation
        )
        if minted.refresh_token is None and session.refresh_token is not None:
            # no new refresh token in the answer: the client keeps the one it has (RFC 6749 §6)
            minted = replace(minted, refresh_token=session.refresh_token)
        return minted

    def _session(
        self,
        spec: IdentitySpec,
        identity: str,
        label: str,
        credential: Credential,
        exchange: Exchange,
        cookies: Mapping[str, str],
        generation: int = 0,
    ) -> ThrowawaySession:
        refresh_at = spec.login.refresh_token if spec.login is not None else None
        refresh = _locate(exchange, refresh_at or _REFRESH_AT)
        id_token = _locate(exchange, _ID_TOKEN_AT)
        for secret, what in ((refresh, "refresh_token"), (id_token, "id_token")):
            if secret:
                self.auth._register(label, secret, what)
        for value in cookies.values():
            self.auth._register(label, value, "cookie")
        body = _json(exchange)
        expires_at = spec.login.expires_in if spec.login is not None else None
        return ThrowawaySession(
            identity=identity,
            label=label,
            credential=credential,
            refresh_token=refresh or None,
            id_token=id_token or None,
            cookies=dict(cookies),
            expires_in=_number(_locate(exchange, expires_at or _EXPIRES_AT)),
            refresh_expires_in=next(
                (n for n in (_number(_at(body, p)) for p in _REFRESH_EXPIRES) if n is not None),
                None,
            ),
            login=exchange,
            issued_at=exchange.started_at or time.time(),
            refresh_endpoint=self._refresh_endpoint(spec),
            generation=generation,
        )

    def _refresh_endpoint(self, spec: IdentitySpec) -> tuple[str, str] | None:
        if spec.oauth2 is not None:
            return ("POST", _absolute(self.auth.target, spec.oauth2.token_url))
        if spec.refresh_endpoint is not None:
            method, path = spec.refresh_endpoint
            return (method, _absolute(self.auth.target, path))
        return None


def _absolute(target: str, path: str) -> str:
    return path if "://" in path else target.rstrip("/") + path  # as AuthManager builds it


def _json(exchange: Exchange) -> Any:
    if exchange.response is None:
        return None
    try:
        return json.loads(exchange.response.body)
    except ValueError:
        return None


def _at(document: Any, path: str) -> object:
    if not isinstance(document, dict):
        return None
    matches = jsonpath_parse(path).find(document)
    return matches[0].value if matches else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
