"""Server-side session state behind the self-contained JWTs.

A JWT alone cannot be revoked, so every user token carries `sid`, the session it belongs to, and
the verifier asks this store whether the session is still alive (ASVS 5 V7.4.1: a deny-list or
per-user cut-off for self-contained tokens). A session is also the refresh-token *family* of
RFC 9700 §4.14.2: one current refresh token, the used ones remembered for reuse detection.

Flaws do not live here: the store can revoke; whether a handler asks it to is the flaw.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from enum import Enum


class RefreshVerdict(Enum):
    CURRENT = "current"  # the family's live refresh token
    REUSED = "reused"  # an already rotated refresh token: a replay (RFC 9700 §4.14.2)
    UNKNOWN = "unknown"  # revoked family, unknown session or unknown token


@dataclass(slots=True)
class Session:
    sid: str
    user_id: int
    client_id: str
    scope: str
    audience: str
    issuer: str
    signing_kid: str
    created_at: float
    refresh_expires_at: float | None  # None: the refresh token never expires (a flaw)
    current_refresh_jti: str
    used_refresh_jtis: set[str] = field(default_factory=set)
    revoked: bool = False


def new_id() -> str:
    """128 bits from the OS CSPRNG (RFC 6749 §10.10: guessing probability ≤ 2^-128)."""
    return secrets.token_urlsafe(16)


class SessionStore:
    """Thread-safe: uvicorn may run sync handlers in a thread pool."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._revoked_access_jtis: set[str] = set()

    def create(self, session: Session) -> Session:
        with self._lock:
            self._sessions[session.sid] = session
            return session

    def get(self, sid: object) -> Session | None:
        if not isinstance(sid, str):
            return None
        with self._lock:
            return self._sessions.get(sid)

    def is_active(self, sid: object) -> bool:
        session = self.get(sid)
        return session is not None and not session.revoked

    def classify_refresh(self, sid: object, jti: object) -> RefreshVerdict:
        session = self.get(sid)
        if session is None or session.revoked or not isinstance(jti, str):
            return RefreshVerdict.UNKNOWN
        if jti == session.current_refresh_jti:
            return RefreshVerdict.CURRENT
        if jti in session.used_refresh_jtis:
            return RefreshVerdict.REUSED
        return RefreshVerdict.UNKNOWN

    def rotate(self, sid: str, old_jti: str) -> str | None:
        """Retire `old_jti` and return the family's next refresh jti (None if it lost a race)."""
        with self._lock:
            session = self._sessions.get(sid)
            if session is None or session.revoked or session.current_refresh_jti != old_jti:
                return None
            session.used_refresh_jtis.add(old_jti)
            session.current_refresh_jti = new_id()
            return session.current_refresh_jti

    def revoke(self, sid: str) -> bool:
        with self._lock:
            session = self._sessions.get(sid)
            if session is None or session.revoked:
                return False
            session.revoked = True
            return True

    def revoke_user(self, user_id: int, *, keep_sid: str | None = None) -> int:
        """End every session of a user (except `keep_sid`); returns how many were ended."""
        with self._lock:
            ended = 0
            for session in self._sessions.values():
                if session.user_id == user_id and session.sid != keep_sid and not session.revoked:
                    session.revoked = True
                    ended += 1
            return ended

    def revoke_access_jti(self, jti: str) -> None:
        with self._lock:
            self._revoked_access_jtis.add(jti)

    def access_jti_revoked(self, jti: object) -> bool:
        with self._lock:
            return isinstance(jti, str) and jti in self._revoked_access_jtis
