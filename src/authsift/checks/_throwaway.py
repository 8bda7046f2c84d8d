"""What a check may ask about throwaway sessions (CHECKS.md #30–#38): the part of `Context` the
token-lifecycle checks use to log an identity in again, end, revoke or refresh that second
session, and replay its tokens — never the scan's working session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from authsift.model import Exchange, HttpRequest


class ThrowawayView(Protocol):
    """A fresh, independent login of a configured identity (`ctx.throwaway_session()`). Its
    tokens are registered with the redactor; a 401 to them reaches no other check."""

    @property
    def identity(self) -> str: ...  # the configured identity it logged in as

    @property
    def label(self) -> str: ...  # "alice-throwaway-1": names it in evidence and placeholders

    @property
    def token(self) -> str: ...  # the access credential's token

    @property
    def is_jwt(self) -> bool: ...

    @property
    def refresh_token(self) -> str | None: ...

    @property
    def id_token(self) -> str | None: ...

    @property
    def cookies(self) -> Mapping[str, str]: ...  # session cookies the answer set

    @property
    def expires_in(self) -> float | None: ...  # the answer's `expires_in`, seconds

    @property
    def refresh_expires_in(self) -> float | None: ...  # `refresh_(token_)expires_in`

    @property
    def login(self) -> Exchange: ...  # the exchange that issued it (login, or a refresh)

    @property
    def issued_at(self) -> float: ...  # unix time

    @property
    def refresh_endpoint(self) -> tuple[str, str] | None: ...  # (method, URL) for its RT

    @property
    def generation(self) -> int: ...  # 0: the login; n: minted by the n-th refresh


class RefreshView(Protocol):
    """One redemption of a refresh token (`ctx.refresh_session()`)."""

    @property
    def exchange(self) -> Exchange: ...

    @property
    def refresh_token_sent(self) -> str: ...

    @property
    def session(self) -> ThrowawayView | None: ...  # what it minted (AT2, RT2) when honoured

    @property
    def accepted(self) -> bool: ...  # 2xx with a new access token

    @property
    def status(self) -> int | None: ...


class SessionAbilities(Protocol):
    """Throwaway sessions, as `Context` offers them."""

    def throwaway_unavailable(self, identity: str | None = None) -> str | None:
        """None when `identity` (default: the task's, else the first that can) can be logged in
        again for a throwaway session; else why not (static token, client-credentials grant)."""
        ...

    async def throwaway_session(self, identity: str | None = None) -> ThrowawayView:
        """Log `identity` in again with its configured recipe (the task's identity, else the
        first identity that has a login recipe), apart from its working session. Raises
        `Inconclusive` with the reason when no identity can, or the login fails."""
        ...

    def as_session(self, request: HttpRequest, session: ThrowawayView) -> HttpRequest:
        """`request` carrying the throwaway's credential and cookies (every other credential
        removed): send it anonymously, `ctx.send(ctx.as_session(r, s))`, or hand it to
        `ctx.confirm`/`ctx.reproduces` likewise; the judge reads the answers as usual."""
        ...

    async def refresh_session(
        self, session: ThrowawayView, refresh_token: str | None = None
    ) -> RefreshView:
        """Redeem `refresh_token` (default: the session's own) where its identity refreshes
        (`endpoints.refresh`, or the OAuth 2.0 token endpoint). A refused refresh is an answer
        (`accepted` False), not an error; raises `Inconclusive` when there is nowhere to
        refresh or no refresh token."""
        ...
