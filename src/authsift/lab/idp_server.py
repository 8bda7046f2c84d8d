"""The lab's OAuth 2.0 / OpenID Connect authorization server, built on Authlib.

Authlib does the protocol; the lab only supplies storage and the few hooks where a real server
makes each oauth- mistake, each behind its flaw switch (`settings.on("oauth-…")`). With every
switch off it is a strict server: authorization code + PKCE S256 for every client, exact
redirect URIs, single-use 60-second codes bound to their client, authenticated confidential
clients, refresh tokens bound to their client, RS256 ID tokens carrying the nonce.
"""

from __future__ import annotations

import secrets
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InvalidClientError,
    InvalidRequestError,
    grants,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import RSAKey

from authsift.lab.flaws import LabSettings
from authsift.lab.users import User, UserStore

SCOPES = ("openid", "profile", "email", "offline_access")
CLIENT_REDIRECT = "https://client.lab.example/callback"
# Lab-only client secrets; lab/authsift.yaml configures the first client with its own.
CLIENTS = {
    "lab-web": "lab-web-client-secret-1",
    "lab-partner": "lab-partner-client-secret-2",
}
STRICT_CODE_SECONDS = 60
FLAWED_CODE_SECONDS = 600
_CLIENT_ID_ONLY = "client_id_only"  # the flawed "authentication" of oauth-client-auth-not-enforced
_AUTH_METHODS = ("client_secret_basic", "client_secret_post", _CLIENT_ID_ONLY)


@dataclass(slots=True)
class LabClient(ClientMixin):  # type: ignore[misc]
    client_id: str
    client_secret: str
    settings: LabSettings
    redirect_uris: tuple[str, ...] = (CLIENT_REDIRECT,)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        if self.settings.on("oauth-redirect-uri-validation"):
            return any(redirect_uri.startswith(uri) for uri in self.redirect_uris)  # prefix
        return redirect_uri in self.redirect_uris  # RFC 9700 §4.1.3: exact string matching

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if method == _CLIENT_ID_ONLY:
            return self.settings.on("oauth-client-auth-not-enforced")
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        if response_type == "code":
            return True
        return response_type == "token" and self.settings.on("oauth-implicit-grant-enabled")

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type in ("authorization_code", "refresh_token"):
            return True
        return grant_type == "password" and self.settings.on("oauth-ropc-grant-enabled")


@dataclass(slots=True)
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user_id: int
    issued_at: float
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    nonce: str | None = None
    used: bool = False
    issued_tokens: list[str] = field(default_factory=list)  # access and refresh tokens

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.issued_at)

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass(slots=True)
class RefreshToken:
    token: str
    client_id: str
    scope: str
    user_id: int
    revoked: bool = False

    def get_scope(self) -> str:
        return self.scope

    def check_client(self, client: LabClient) -> bool:
        """RFC 6749 §6: the refresh token is "bound to the client to which it was issued"."""
        return client.client_id == self.client_id or client.settings.on(
            "oauth-refresh-token-binding"
        )


@dataclass(slots=True)
class IdpStore:
    """Everything the server remembers (in memory, per lab process)."""

    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    access_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, int] = field(default_factory=dict)  # login cookie → user id


class LabServer(AuthorizationServer):  # type: ignore[misc]
    """Authlib's server with the lab's storage; requests are built by `idp_routes`."""

    def __init__(self, settings: LabSettings, users: UserStore, clock: Callable[[], float]) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.settings = settings
        self.users = users
        self.clock = clock
        self.current_issuer = ""  # set by the token route from the request's base URL
        self.store = IdpStore()
        self.clients = {cid: LabClient(cid, secret, settings) for cid, secret in CLIENTS.items()}
        self.signing_key = RSAKey.generate_key(2048, parameters={"kid": "lab-idp-1", "use": "sig"})
        self.register_token_generator(
            "default",
            BearerTokenGenerator(_random_token, _random_token, lambda client, grant_type: 300),
        )
        self.register_client_auth_method(_CLIENT_ID_ONLY, _client_id_only)
        self.register_grant(CodeGrant, [LabCodeChallenge(settings), LabOpenIDCode(self)])
        self.register_grant(RefreshGrant)
        if settings.on("oauth-implicit-grant-enabled"):
            self.register_grant(ImplicitGrant)
        if settings.on("oauth-ropc-grant-enabled"):
            self.register_grant(PasswordGrant)

    def query_client(self, client_id: str) -> LabClient | None:
        return self.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        user = request.user
        self.store.access_tokens[token["access_token"]] = {
            **token,
            "user_id": user.id,
            "issued_at": self.clock(),
        }
        code = getattr(request, "authorization_code", None)
        if isinstance(code, AuthorizationCode):
            code.issued_tokens += [token["access_token"], token.get("refresh_token") or ""]
        if "refresh_token" in token:
            self.store.refresh_tokens[token["refresh_token"]] = RefreshToken(
                token["refresh_token"], request.client.client_id, token.get("scope", ""), user.id
            )

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, Any]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request  # `idp_routes` builds Authlib requests itself

    def revoke(self, tokens: list[str]) -> None:
        for token in tokens:
            self.store.access_tokens.pop(token, None)
            refresh = self.store.refresh_tokens.get(token)
            if refresh is not None:
                refresh.revoked = True

    def user_of(self, access_token: str) -> User | None:
        """The user an access token was issued to, None when unknown or revoked."""
        record = self.store.access_tokens.get(access_token)
        if record is None or self.clock() > record.get("issued_at", 0) + record["expires_in"]:
            return None
        return self.users.by_id(record["user_id"])

    def code_lifetime(self) -> int:
        flawed = self.settings.on("oauth-auth-code-replay-and-lifetime")
        return FLAWED_CODE_SECONDS if flawed else STRICT_CODE_SECONDS


def _random_token(*args: Any, **kwargs: Any) -> str:
    return secrets.token_urlsafe(32)


def _client_id_only(query_client: Callable[[str], Any], request: OAuth2Request) -> Any:
    """The flawed client "authentication": a confidential client named, no secret checked."""
    client_id = request.payload.data.get("client_id")
    if client_id and not request.headers.get("Authorization"):
        return query_client(client_id)
    return None


class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [*_AUTH_METHODS]

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        server: LabServer = self.server
        server.store.codes[code] = AuthorizationCode(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=data.get("redirect_uri") or "",
            scope=request.scope or "",
            user_id=request.user.id,
            issued_at=server.clock(),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            nonce=data.get("nonce"),
        )

    def query_authorization_code(self, code: str, client: LabClient) -> AuthorizationCode | None:
        server: LabServer = self.server
        stored = server.store.codes.get(code)
        if stored is None or server.clock() - stored.issued_at > server.code_lifetime():
            return None
        if stored.used:
            # RFC 6749 §4.1.2: "MUST NOT use the authorization code more than once … SHOULD
            # revoke (when possible) all tokens previously issued based on that authorization code"
            server.revoke(stored.issued_tokens)
            return None
        if stored.client_id != client.client_id and not server.settings.on(
            "oauth-code-client-binding"
        ):
            return None  # RFC 6749 §4.1.3: "ensure that the authorization code was issued to
            # the authenticated confidential client"
        return stored

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        server: LabServer = self.server
        if not server.settings.on("oauth-auth-code-replay-and-lifetime"):
            authorization_code.used = True

    def authenticate_user(self, authorization_code: AuthorizationCode) -> User | None:
        server: LabServer = self.server
        return server.users.by_id(authorization_code.user_id)


class RefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [*_AUTH_METHODS]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        server: LabServer = self.server
        stored = server.store.refresh_tokens.get(refresh_token)
        if stored is None or stored.revoked:
            return None
        return stored

    def authenticate_user(self, refresh_token: RefreshToken) -> User | None:
        server: LabServer = self.server
        return server.users.by_id(refresh_token.user_id)

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        refresh_token.revoked = True


class ImplicitGrant(grants.ImplicitGrant):  # type: ignore[misc]
    """Registered only with the flaw on: tokens for the confidential client in the front channel."""

    def authenticate_token_endpoint_client(self) -> LabClient:
        client = self.server.query_client(self.request.payload.client_id)
        if client is None:
            raise InvalidClientError(description="unknown client")
        self.request.client, self.request.auth_method = client, "none"
        return client  # type: ignore[no-any-return]


class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [*_AUTH_METHODS]

    def authenticate_user(self, username: str, password: str) -> User | None:
        server: LabServer = self.server
        user = server.users.by_username(username)
        if user is None or not secrets.compare_digest(user.password, password):
            return None
        return user


class LabCodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE as RFC 9700 §2.1.1 wants it (S256, every client), unless a flaw is on."""

    def __init__(self, settings: LabSettings) -> None:
        super().__init__(required=True)
        self.settings = settings
        plain = settings.on("oauth-pkce-support-and-plain")
        self.SUPPORTED_CODE_CHALLENGE_METHOD = ["plain", "S256"] if plain else ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") and not self.settings.on("oauth-pkce-not-enforced"):
            raise InvalidRequestError("code_challenge is required (S256)")
        if (
            data.get("code_challenge")
            and not data.get("code_challenge_method")
            and not self.settings.on("oauth-pkce-support-and-plain")
        ):
            # RFC 7636 §4.3: an absent method means plain, which this server does not accept
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        code = grant.request.authorization_code
        verifier = grant.request.form.get("code_verifier")
        if not code.code_challenge and verifier and self.settings.on("oauth-pkce-downgrade"):
            return  # the downgrade: a verifier "proves" a code that was never bound to one
        super().validate_code_verifier(grant, result)


class LabOpenIDCode(OpenIDCode):  # type: ignore[misc]
    def __init__(self, server: LabServer) -> None:
        super().__init__(require_nonce=False)
        self.lab = server

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return False

    def get_client_algorithm(self, client: LabClient) -> str:
        return "none" if self.lab.settings.on("oauth-oidc-none-alg") else "RS256"

    def get_encode_header(self, client: LabClient) -> dict[str, str]:
        alg = self.get_client_algorithm(client)
        return {"alg": alg} if alg == "none" else {"alg": alg, "kid": "lab-idp-1"}

    def resolve_client_private_key(self, client: LabClient) -> RSAKey:
        return self.lab.signing_key

    def get_client_claims(self, client: LabClient) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": self.lab.current_issuer,
            "aud": [client.client_id],
            "iat": now,
            "exp": now + 300,
        }

    def get_authorization_code_claims(self, authorization_code: AuthorizationCode) -> Any:
        claims = dict(super().get_authorization_code_claims(authorization_code))
        if self.lab.settings.on("oauth-state-nonce-handling"):
            claims.pop("nonce", None)  # OIDC Core §3.1.3.7 step 11: the client cannot check it
        return claims

    def encode_id_token(self, token: dict[str, Any], request: OAuth2Request) -> str:
        with warnings.catch_warnings():  # joserfc warns about alg none: that is the flaw
            warnings.simplefilter("ignore")
            return str(super().encode_id_token(token, request))

    def generate_user_info(self, user: User, scope: str) -> UserInfo:
        info = UserInfo(sub=str(user.id), preferred_username=user.username)
        if "email" in scope.split():
            info["email"] = user.email
        return info
