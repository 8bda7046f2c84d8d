"""Minting the lab's tokens: access (RFC 9068), refresh, and ID tokens, and the token response.

Hardened: access tokens live 5 minutes and carry `typ: at+jwt`; a session's refresh tokens share
one absolute expiry of 24 hours (ASVS 5 V10.4.8) announced as `refresh_expires_in`; the response
is `Cache-Control: no-store` + `Pragma: no-cache` (RFC 6749 §5.1). Flaws here:
`token-access-lifetime-excessive` (30-day access tokens), `token-refresh-lifetime-excessive`
(refresh tokens without `exp`), `transport-token-response-cacheable` (no `no-store`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from authsift.lab.flaws import LabSettings
from authsift.lab.jwt_verify import ACCESS_AUDIENCE
from authsift.lab.sessions import Session, SessionStore, new_id
from authsift.lab.tokens import KeyRing, SigningKey, encode_jws
from authsift.lab.users import User

HARDENED_ACCESS_LIFETIME = 300
EXCESSIVE_ACCESS_LIFETIME = 30 * 24 * 3600
REFRESH_ABSOLUTE_LIFETIME = 24 * 3600
ID_TOKEN_LIFETIME = 300
WEB_CLIENT_ID = "lab-web"
MOBILE_CLIENT_ID = "lab-mobile"
OTHER_AUDIENCES = frozenset({"reports-service"})  # a second resource server of the same issuer
PARTNER_TENANT = "partner"
USER_SCOPES = frozenset({"read", "write"})

# (kind, token) for every token minted: "access", "refresh" or "id". Test-facing: the redaction
# test must know every genuine token the lab handed out to prove none reaches a report.
TokenObserver = Callable[[str, str], None]


def tenant_issuer(base_issuer: str, tenant: str | None) -> str:
    """The `iss` of a tenant: the main issuer, or `<issuer>/tenants/<tenant>`."""
    return base_issuer if tenant in (None, "main") else f"{base_issuer}/tenants/{tenant}"


def credential_headers(settings: LabSettings) -> dict[str, str]:
    """Headers for every response that carries a credential (RFC 6749 §5.1, RFC 9111 §5.2.2.5)."""
    if settings.on("transport-token-response-cacheable"):
        return {}
    return {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True, slots=True)
class SessionRequest:
    """What a login asks for; validated by the route before it gets here."""

    user: User
    client_id: str
    issuer: str
    audience: str = ACCESS_AUDIENCE
    scope: str = "read write"
    signing_key: SigningKey | None = None  # default: the RSA key


class TokenIssuer:
    def __init__(
        self,
        settings: LabSettings,
        keys: KeyRing,
        sessions: SessionStore,
        clock: Callable[[], float],
        observer: TokenObserver | None = None,
    ) -> None:
        self.settings = settings
        self.keys = keys
        self.sessions = sessions
        self.clock = clock
        self.observer = observer

    def _issued(self, kind: str, token: str) -> str:
        if self.observer is not None:
            self.observer(kind, token)
        return token

    @property
    def access_lifetime(self) -> int:
        if self.settings.on("token-access-lifetime-excessive"):
            return EXCESSIVE_ACCESS_LIFETIME  # "users hate logging in on the train"
        return HARDENED_ACCESS_LIFETIME

    def access_token(
        self,
        user: User,
        *,
        issuer: str,
        audience: str,
        scope: str,
        client_id: str,
        sid: str | None,
        key: SigningKey | None = None,
        issued_at: float | None = None,
        lifetime: int | None = None,
    ) -> str:
        signer = key or self.keys.rsa
        now = int(self.clock() if issued_at is None else issued_at)
        claims: dict[str, Any] = {
            "iss": issuer,
            "sub": str(user.id),
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + (self.access_lifetime if lifetime is None else lifetime),
            "jti": new_id(),
            "client_id": client_id,
            "scope": scope,
            "role": user.role,
            "preferred_username": user.username,
        }
        if sid is not None:
            claims["sid"] = sid
        header = {"alg": signer.alg, "typ": "at+jwt", "kid": signer.kid}
        return self._issued("access", encode_jws(header, claims, signer))

    def refresh_token(self, session: Session) -> str:
        """A JWT refresh token: `token_use: refresh`, plain `typ: JWT`, same audience as access."""
        claims: dict[str, Any] = {
            "iss": session.issuer,
            "sub": str(session.user_id),
            "aud": session.audience,
            "iat": int(self.clock()),
            "jti": session.current_refresh_jti,
            "sid": session.sid,
            "scope": session.scope,
            "client_id": session.client_id,
            "token_use": "refresh",
        }
        if session.refresh_expires_at is not None:
            claims["exp"] = int(session.refresh_expires_at)
        header = {"alg": "RS256", "typ": "JWT", "kid": self.keys.rsa.kid}
        return self._issued("refresh", encode_jws(header, claims, self.keys.rsa))

    def id_token(self, user: User, *, issuer: str, client_id: str) -> str:
        """OIDC Core §2 ID token: for the client (`aud` = client_id), never for the API.

        Only the required claims: profile data (e-mail, name) is served by UserInfo, so that no
        personal data sits base64-readable in a token (CHECKS.md transport-credential-exposure).
        """
        now = int(self.clock())
        claims = {
            "iss": issuer,
            "sub": str(user.id),
            "aud": client_id,
            "iat": now,
            "exp": now + ID_TOKEN_LIFETIME,
            "auth_time": now,
        }
        header = {"alg": "RS256", "typ": "JWT", "kid": self.keys.rsa.kid}
        return self._issued("id", encode_jws(header, claims, self.keys.rsa))

    def start_session(self, request: SessionRequest) -> Session:
        now = self.clock()
        refresh_expiry: float | None = now + REFRESH_ABSOLUTE_LIFETIME
        if self.settings.on("token-refresh-lifetime-excessive"):
            refresh_expiry = None  # "sessions should feel like an app, not a bank"
        signer = request.signing_key or self.keys.rsa
        session = Session(
            sid=new_id(),
            user_id=request.user.id,
            client_id=request.client_id,
            scope=request.scope,
            audience=request.audience,
            issuer=request.issuer,
            signing_kid=signer.kid,
            created_at=now,
            refresh_expires_at=refresh_expiry,
            current_refresh_jti=new_id(),
        )
        return self.sessions.create(session)

    def session_response(
        self,
        session: Session,
        user: User,
        *,
        refresh_token: str | None = None,
        with_id_token: bool = False,
    ) -> dict[str, Any]:
        """The RFC 6749 §5.1 body for a session (a fresh refresh token unless one is given)."""
        signer = self.keys.by_kid(session.signing_kid) or self.keys.rsa
        body: dict[str, Any] = {
            "access_token": self.access_token(
                user,
                issuer=session.issuer,
                audience=session.audience,
                scope=session.scope,
                client_id=session.client_id,
                sid=session.sid,
                key=signer,
            ),
            "token_type": "Bearer",
            "expires_in": self.access_lifetime,
            "refresh_token": refresh_token or self.refresh_token(session),
            "scope": session.scope,
        }
        if session.refresh_expires_at is not None:
            body["refresh_expires_in"] = max(0, int(session.refresh_expires_at - self.clock()))
        if with_id_token:
            body["id_token"] = self.id_token(
                user, issuer=session.issuer, client_id=session.client_id
            )
        return body
