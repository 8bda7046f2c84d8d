"""The token side of the lab: who a bearer token belongs to, and the routes that mint tokens.

`AuthService` is the seam with the resource side: `deps.py` calls `bearer_principal()` for every
request, `create_app()` includes `router()`, and admin handlers call `revoke_user()` when they
disable a user or change a role. Everything token-related hangs off one instance per lab process.

Flaws decided here (the rest are in the modules named in each docstring):
- `transport-credentials-in-query-accepted`: `?access_token=` honoured (RFC 6750 §2.3 says the
  URI form SHOULD NOT be used; OAuth 2.1 says resource servers MUST ignore it).
- `authz-invalid-credential-accepted`: a bearer value that is not JWT-shaped (`null`,
  `undefined`, random bytes) goes to the retired opaque-session lookup, which raises, and an
  over-broad `except` lets the request through as the lab's fallback account (alice, user id 1).
  JWT-shaped garbage is still rejected, so the scanner's junk baseline stays a rejection.
- `transport-www-authenticate-conformance`: a rejected token gets a 401 without a challenge
  (RFC 9110 §11.6.1: a 401 "MUST send a WWW-Authenticate header field").
- `token-privilege-change-not-reflected`: the role is read from the token, disabled accounts are
  not checked, and `revoke_user()` does nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from authsift.lab.flaws import LabSettings
from authsift.lab.jwt_verify import AccessTokenVerifier, TokenRejected
from authsift.lab.key_fetch import fetch_jwks
from authsift.lab.password_reset import ResetDesk
from authsift.lab.passwords import PasswordBook
from authsift.lab.ratelimit import LoginThrottle
from authsift.lab.sessions import SessionStore
from authsift.lab.token_issue import TokenIssuer, TokenObserver
from authsift.lab.tokens import LEGACY_KEYS_DIR, KeyRing
from authsift.lab.users import Principal, User, UserStore

logger = logging.getLogger(__name__)

REALM = "authsift-lab"
FALLBACK_USER_ID = 1  # the account the fail-open flaw lets requests through as


class AuthService:
    def __init__(
        self,
        settings: LabSettings,
        users: UserStore,
        clock: Callable[[], float] = time.time,
        token_observer: TokenObserver | None = None,
    ) -> None:
        self.settings = settings
        self.users = users
        self.clock = clock
        self.keys = KeyRing(settings)
        self.sessions = SessionStore()
        self.verifier = AccessTokenVerifier(settings, self.keys, clock, fetch_jwks)
        self.issuer = TokenIssuer(settings, self.keys, self.sessions, clock, token_observer)
        self.passwords = PasswordBook(settings)
        self.passwords.prime(users.all())
        self.web_throttle = LoginThrottle(settings, "web", clock)
        self.mobile_throttle = LoginThrottle(settings, "mobile", clock)
        # client secrets at the token endpoint and the current password on password change
        self.credential_throttle = LoginThrottle(settings, "client", clock)
        self.resets = ResetDesk(settings, clock)
        if settings.on("jwt-kid-injection"):
            LEGACY_KEYS_DIR.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------ the seam with deps.py

    async def bearer_principal(self, request: Request) -> Principal | None:
        """None when the request carries no bearer credential at all; raises HTTPException(401,
        WWW-Authenticate: Bearer error="invalid_token") for a bad one; a Principal for a good one.
        """
        token = self.presented_token(request)
        if token is None:
            return None
        if "." not in token and not token.startswith("{"):
            return self._opaque_token_principal(token)
        try:
            _header, claims = await self.verifier.verify(token, issuer=self.issuer_for(request))
            return self.principal_from_claims(claims)
        except TokenRejected as rejection:
            logger.info("access token rejected: %s", rejection)
            raise self.invalid_token() from None

    def presented_token(self, request: Request) -> str | None:
        authorization = request.headers.get("authorization")
        if authorization is not None:
            scheme, _, value = authorization.strip().partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                return None  # another scheme, or no token: not a bearer credential
            return value.strip()
        if self.settings.on("transport-credentials-in-query-accepted"):
            # "The export links need to work when pasted into a browser."
            return request.query_params.get("access_token") or None
        return None

    def _opaque_token_principal(self, token: str) -> Principal:
        try:
            return self._legacy_opaque_session(token)
        except Exception:
            if not self.settings.on("authz-invalid-credential-accepted"):
                raise self.invalid_token() from None
            # Migration shim: "don't log out the old mobile app while sessions move to JWT".
            logger.info("opaque session lookup failed; continuing with the fallback account")
            fallback = self.users.by_id(FALLBACK_USER_ID)
            if fallback is None:
                raise self.invalid_token() from None
            return Principal(fallback, "jwt", frozenset({"read", "write"}), fallback.role, {})

    def _legacy_opaque_session(self, token: str) -> Principal:
        """Opaque sessions were retired with the move to JWTs; every lookup fails."""
        raise LookupError(f"opaque session service retired (token length {len(token)})")

    def principal_from_claims(self, claims: dict[str, Any]) -> Principal:
        """Map verified claims to a Principal, consulting server-side state (ASVS 5 V7.4.1)."""
        sid = claims.get("sid")
        if sid is not None and not self.sessions.is_active(sid):
            raise TokenRejected("session ended")
        if self.sessions.access_jti_revoked(claims.get("jti")):
            raise TokenRejected("token revoked")
        user = self._user_of(claims)
        role = user.role
        if self.settings.on("token-privilege-change-not-reflected"):
            # "The token is signed, so its role claim is authoritative" — until an admin demotes
            # or disables the account and nothing notices for 30 days.
            claimed = claims.get("role")
            role = claimed if isinstance(claimed, str) else user.role
        elif user.disabled:
            raise TokenRejected("account disabled")
        scope = claims.get("scope")
        scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
        return Principal(user=user, via="jwt", scopes=scopes, role=role, claims=dict(claims))

    def _user_of(self, claims: dict[str, Any]) -> User:
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.isdigit():
            raise TokenRejected("no usable sub")
        user = self.users.by_id(int(subject))
        if user is None:
            raise TokenRejected("unknown subject")
        return user

    def revoke_user(self, user_id: int) -> None:
        """End every session of a user: called when an admin disables a user or changes a role."""
        if self.settings.on("token-privilege-change-not-reflected"):
            return
        ended = self.sessions.revoke_user(user_id)
        logger.info("ended %d session(s) of user %d", ended, user_id)

    # ------------------------------------------------------------------ shared helpers

    def issuer_for(self, request: Request) -> str:
        """The issuer is the origin the lab is reached at (RFC 8414 §2: issuer is a URL)."""
        return f"{request.url.scheme}://{request.url.netloc}"

    def invalid_token(self) -> HTTPException:
        """401 per RFC 6750 §3.1; the description never says *why* (no key ids, aud, iss)."""
        if self.settings.on("transport-www-authenticate-conformance"):
            return HTTPException(status_code=401, detail="invalid_token")
        challenge = (
            f'Bearer realm="{REALM}", error="invalid_token", '
            'error_description="The access token is invalid or has expired"'
        )
        return HTTPException(
            status_code=401, detail="invalid_token", headers={"WWW-Authenticate": challenge}
        )

    def router(self) -> APIRouter:
        from authsift.lab.auth_oauth_routes import build_oauth_router
        from authsift.lab.auth_reset_routes import build_reset_router
        from authsift.lab.auth_routes import build_auth_router

        router = APIRouter()
        router.include_router(build_auth_router(self))
        router.include_router(build_oauth_router(self))
        router.include_router(build_reset_router(self))
        return router
