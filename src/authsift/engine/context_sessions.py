"""The throwaway-session part of `TaskContext` (`checks.base.SessionAbilities`), kept apart so
that `engine.context` stays one screenful of concerns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from authsift.checks._throwaway import RefreshView, ThrowawayView
from authsift.checks.base import Inconclusive
from authsift.engine.throwaway import Throwaways, ThrowawaySession, ThrowawayUnavailable
from authsift.model import HttpRequest

if TYPE_CHECKING:
    from authsift.engine.scan_state import ScanState


class SessionAbilities:
    """Mixed into `TaskContext`; every request goes through the scan's session (recorded,
    budgeted, scoped) and counts toward the task's requests."""

    _state: ScanState
    _identity: str | None
    requests: int

    def _throwaways(self) -> Throwaways:
        return Throwaways(self._state.auth)

    def _throwaway_identity(self, identity: str | None) -> tuple[str | None, str]:
        """The identity to log in again, or None and why none can."""
        throwaways = self._throwaways()
        if identity is not None:
            reason = throwaways.can_login(identity)
            return (None, reason) if reason else (identity, "")
        candidates = [self._identity] if self._identity else []
        candidates += [name for name in self._state.identities if name not in candidates]
        reasons = []
        for name in candidates:
            reason = throwaways.can_login(name)
            if reason is None:
                return name, ""
            reasons.append(reason)
        return None, "no identity can be logged in again: " + (
            "; ".join(reasons) or "no identities"
        )

    def throwaway_unavailable(self, identity: str | None = None) -> str | None:
        name, reason = self._throwaway_identity(identity)
        return None if name is not None else reason

    async def throwaway_session(self, identity: str | None = None) -> ThrowawayView:
        name, reason = self._throwaway_identity(identity)
        if name is None:
            raise Inconclusive(f"needs a throwaway session: {reason}")
        self.requests += 1  # the login (a CSRF pre-request, when configured, is not counted)
        try:
            return await self._throwaways().login(name)
        except ThrowawayUnavailable as exc:
            raise Inconclusive(str(exc)) from None

    def as_session(self, request: HttpRequest, session: ThrowawayView) -> HttpRequest:
        if not isinstance(session, ThrowawaySession):
            raise TypeError("as_session takes a session from ctx.throwaway_session()")
        return session.apply(request)

    async def refresh_session(
        self, session: ThrowawayView, refresh_token: str | None = None
    ) -> RefreshView:
        if not isinstance(session, ThrowawaySession):
            raise TypeError("refresh_session takes a session from ctx.throwaway_session()")
        self.requests += 1
        try:
            return await self._throwaways().refresh(session, refresh_token)
        except ThrowawayUnavailable as exc:
            raise Inconclusive(str(exc)) from None
