"""OAuth-style endpoints: token (client_credentials, refresh_token), revocation, introspection,
UserInfo, the JWKS and discovery metadata.

Flaws decided here: `jwt-weak-hmac-secret` (the reporting client's tokens are HS256 with a
dictionary secret), `token-revocation-ineffective` (RFC 7009 revocation answers 200 and changes
nothing), `rl-token-guessing` (introspection answers anyone, with no client authentication, so it
is an unthrottled oracle for guessed tokens; RFC 7662 §2.1 "MUST also require some form of
authorization"). The JWKS content comes from `tokens.KeyRing` (`jwt-jwks-key-hygiene`).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from authsift.lab.auth_models import (
    IntrospectionResult,
    JsonWebKeySet,
    OAuthError,
    TokenResponse,
    UserInfo,
)
from authsift.lab.auth_routes import (
    PUBLIC,
    Bearer,
    refresh_claims,
    require_principal,
    rotate_refresh,
)
from authsift.lab.jwt_verify import ACCESS_AUDIENCE, TokenRejected
from authsift.lab.token_issue import OTHER_AUDIENCES, credential_headers
from authsift.lab.users import User

if TYPE_CHECKING:
    from authsift.lab.auth_service import AuthService

SERVICE_SCOPES = frozenset({"read"})
_CLIENT_CHALLENGE = {"WWW-Authenticate": 'Basic realm="authsift-lab"'}


def _form_schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {
        "security": [],
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        },
    }


_STR = {"type": "string"}


async def read_params(request: Request) -> dict[str, str]:
    """Form parameters (RFC 6749 §3.2 requires x-www-form-urlencoded); JSON is tolerated."""
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            document = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return {k: str(v) for k, v in document.items()} if isinstance(document, dict) else {}
    parsed = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in parsed.items()}


def oauth_error(
    error: str, status: int = 400, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": error}, status, headers)


async def authenticate_client(
    service: AuthService, request: Request, params: dict[str, str]
) -> User | JSONResponse:
    """RFC 6749 §2.3.1: HTTP Basic (preferred) or client_id/client_secret in the body.

    The client or the error response: 401 invalid_client, or 429 once the secret has been
    guessed at too often ("MUST protect the endpoint against brute force attacks").
    """
    client_id, secret = params.get("client_id"), params.get("client_secret")
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return oauth_error("invalid_client", 401, _CLIENT_CHALLENGE)
        client_id, _, secret = decoded.partition(":")
    if not client_id or secret is None:
        return oauth_error("invalid_client", 401, _CLIENT_CHALLENGE)
    throttle = service.credential_throttle
    keys = throttle.keys(request, client_id)
    wait = throttle.retry_after(keys)
    if wait is not None:
        return oauth_error("slow_down", 429, throttle.headers(keys, retry_after=wait))
    user = service.users.by_username(client_id)
    client = user if user is not None and user.role == "service" else None
    if not await service.passwords.check(client, secret) or client is None or client.disabled:
        throttle.record_failure(keys)
        return oauth_error("invalid_client", 401, _CLIENT_CHALLENGE)
    return client


def build_oauth_router(service: AuthService) -> APIRouter:
    router = APIRouter(tags=["oauth"])
    settings = service.settings

    @router.post(
        "/oauth/token",
        response_model=TokenResponse,
        responses={400: {"model": OAuthError}, 401: {"model": OAuthError}},
        openapi_extra=_form_schema(
            {
                "grant_type": {"type": "string", "enum": ["client_credentials", "refresh_token"]},
                "scope": _STR,
                "audience": _STR,
                "refresh_token": _STR,
                "client_id": _STR,
                "client_secret": _STR,
            },
            ["grant_type"],
        ),
    )
    async def token(request: Request) -> JSONResponse:
        """OAuth 2.0 token endpoint for the machine client (client_credentials) and refresh."""
        params = await read_params(request)
        grant = params.get("grant_type")
        if grant == "refresh_token":
            return rotate_refresh(service, params.get("refresh_token", ""))
        if grant != "client_credentials":
            return oauth_error("unsupported_grant_type")
        client = await authenticate_client(service, request, params)
        if isinstance(client, JSONResponse):
            return client
        scope = params.get("scope") or "read"
        audience = params.get("audience") or ACCESS_AUDIENCE
        if not set(scope.split()) <= SERVICE_SCOPES:
            return oauth_error("invalid_scope")
        if audience != ACCESS_AUDIENCE and audience not in OTHER_AUDIENCES:
            return oauth_error("invalid_target")  # RFC 8707 §2
        # The reporting integration predates the key migration: it still gets HS256 tokens
        # signed with the shared secret from the old config file.
        key = service.keys.service_hmac or service.keys.rsa
        access = service.issuer.access_token(
            client,
            issuer=service.issuer_for(request),
            audience=audience,
            scope=scope,
            client_id=client.username,
            sid=None,
            key=key,
        )
        body = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": service.issuer.access_lifetime,
            "scope": scope,
        }
        return JSONResponse(body, headers=credential_headers(settings))

    @router.post(
        "/oauth/revoke",
        openapi_extra=_form_schema({"token": _STR, "token_type_hint": _STR}, ["token"]),
    )
    async def revoke(request: Request) -> JSONResponse:
        """RFC 7009 token revocation: answers 200 whether or not the token was valid (§2.2)."""
        params = await read_params(request)
        token_value = params.get("token", "")
        if not settings.on("token-revocation-ineffective"):
            await _revoke(service, request, token_value)
        # flaw on: the request is acknowledged and queued for a worker that was never deployed
        return JSONResponse({}, headers=credential_headers(settings))

    @router.post(
        "/oauth/introspect",
        response_model=IntrospectionResult,
        responses={401: {"model": OAuthError}},
        openapi_extra=_form_schema({"token": _STR, "token_type_hint": _STR}, ["token"]),
    )
    async def introspect(request: Request) -> JSONResponse:
        """RFC 7662 token introspection, for resource servers (client authentication required)."""
        params = await read_params(request)
        if not settings.on("rl-token-guessing"):
            client = await authenticate_client(service, request, params)
            if isinstance(client, JSONResponse):
                return client
        result = await _introspect(service, request, params.get("token", ""))
        return JSONResponse(result, headers=credential_headers(settings))

    @router.get("/oauth/userinfo", response_model=UserInfo)
    async def userinfo(request: Request, _bearer: Bearer) -> JSONResponse:
        """OIDC UserInfo: claims about the signed-in user."""
        principal = await require_principal(service, request)
        user = principal.user
        info = {
            "sub": str(user.id),
            "preferred_username": user.username,
            "email": user.email,
            "name": user.full_name,
            "role": principal.role or user.role,
        }
        return JSONResponse(info, headers=credential_headers(settings))

    @router.get("/.well-known/jwks.json", response_model=JsonWebKeySet, openapi_extra=PUBLIC)
    async def jwks() -> JSONResponse:
        """The public keys that verify the lab's tokens (RFC 7517)."""
        return JSONResponse(service.keys.jwks())

    @router.get("/.well-known/openid-configuration", openapi_extra=PUBLIC)
    async def discovery(request: Request) -> dict[str, Any]:
        """Issuer metadata (OIDC Discovery §3 subset): where the keys and endpoints are."""
        base = service.issuer_for(request)
        return {
            "issuer": base,
            "jwks_uri": f"{base}/.well-known/jwks.json",
            "token_endpoint": f"{base}/oauth/token",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "introspection_endpoint": f"{base}/oauth/introspect",
            "userinfo_endpoint": f"{base}/oauth/userinfo",
            "grant_types_supported": ["client_credentials", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
        }

    return router


async def _revoke(service: AuthService, request: Request, token_value: str) -> None:
    try:
        claims = refresh_claims(service, token_value)
        service.sessions.revoke(str(claims["sid"]))  # the grant: its refresh and access tokens
        return
    except TokenRejected:
        pass
    try:
        _header, claims = await service.verifier.verify(
            token_value, issuer=service.issuer_for(request)
        )
    except TokenRejected:
        return
    jti = claims.get("jti")
    if isinstance(jti, str):
        service.sessions.revoke_access_jti(jti)


async def _introspect(service: AuthService, request: Request, token_value: str) -> dict[str, Any]:
    inactive: dict[str, Any] = {"active": False}
    try:
        claims = refresh_claims(service, token_value)
        if not service.sessions.is_active(claims.get("sid")):
            return inactive
        token_type = "refresh_token"
    except TokenRejected:
        try:
            _header, claims = await service.verifier.verify(
                token_value, issuer=service.issuer_for(request)
            )
            service.principal_from_claims(claims)
        except TokenRejected:
            return inactive
        token_type = "access_token"
    return {
        "active": True,
        "sub": claims.get("sub"),
        "scope": claims.get("scope"),
        "client_id": claims.get("client_id"),
        "exp": claims.get("exp"),
        "token_type": token_type,
        "username": claims.get("preferred_username"),
    }
