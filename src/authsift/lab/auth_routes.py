"""First-party session routes: login (web and mobile), refresh, logout, password change, session.

Flaws decided here: `rl-user-enum-response` (a different answer for unknown accounts),
`token-refresh-not-rotated`, `token-refresh-reuse-not-detected`, `token-not-revoked-on-logout`,
`token-not-revoked-on-password-change`, and `jwt-signature-not-verified`, which lives only in
`GET /auth/session`: the SPA's "who am I" call decodes the token without verifying it ("the
gateway verified it already"), while every other route verifies properly, so the forgery checks
still have a verifying endpoint to test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

import jwt
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from authsift.lab.auth_models import (
    LOGIN_ERRORS,
    LoginError,
    LoginRequest,
    OAuthError,
    PasswordChangeRequest,
    PasswordChangeResult,
    RefreshRequest,
    SessionInfo,
    TokenResponse,
)
from authsift.lab.deps import bearer_scheme
from authsift.lab.jwt_verify import ACCESS_AUDIENCE, TokenRejected
from authsift.lab.ratelimit import normalize_username
from authsift.lab.sessions import RefreshVerdict
from authsift.lab.token_issue import (
    MOBILE_CLIENT_ID,
    OTHER_AUDIENCES,
    PARTNER_TENANT,
    USER_SCOPES,
    WEB_CLIENT_ID,
    SessionRequest,
    credential_headers,
    tenant_issuer,
)
from authsift.lab.users import Principal

if TYPE_CHECKING:
    from authsift.lab.auth_service import AuthService

PUBLIC: dict[str, Any] = {"security": []}  # OpenAPI: explicitly no authentication
Bearer = Annotated[object, Depends(bearer_scheme)]


def challenge_401(service: AuthService) -> HTTPException:
    """No credential at all: a challenge without an `error` attribute (RFC 6750 §3.1)."""
    return HTTPException(
        401, "authentication required", {"WWW-Authenticate": 'Bearer realm="authsift-lab"'}
    )


async def require_principal(service: AuthService, request: Request) -> Principal:
    principal = await service.bearer_principal(request)
    if principal is None:
        raise challenge_401(service)
    return principal


def invalid_grant(service: AuthService) -> JSONResponse:
    body = {"error": "invalid_grant", "error_description": "The refresh token is invalid"}
    return JSONResponse(body, status_code=400, headers=credential_headers(service.settings))


def refresh_claims(service: AuthService, token: str) -> dict[str, Any]:
    """Strict verification of one of our own refresh tokens (RS256, our key, `token_use`)."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("kid") != service.keys.rsa.kid or header.get("typ") != "JWT":
            raise TokenRejected("not our refresh token")
        claims: dict[str, Any] = jwt.decode(
            token,
            key=service.keys.rsa.public,
            algorithms=["RS256"],
            options={"verify_aud": False, "require": ["sub", "jti", "sid", "iss"]},
        )
    except jwt.PyJWTError as error:
        raise TokenRejected(f"refresh token: {error}") from error
    if claims.get("token_use") != "refresh":
        raise TokenRejected("not a refresh token")
    return claims


def rotate_refresh(service: AuthService, token: str) -> JSONResponse:
    """RFC 9700 §4.14.2: rotate on use; a replayed (already rotated) token revokes the family."""
    try:
        claims = refresh_claims(service, token)
    except TokenRejected:
        return invalid_grant(service)
    sid, jti = claims["sid"], claims["jti"]
    session = service.sessions.get(sid)
    user = service.users.by_id(session.user_id) if session is not None else None
    if session is None or user is None or claims.get("iss") != session.issuer:
        return invalid_grant(service)
    if user.disabled and not service.settings.on("token-privilege-change-not-reflected"):
        return invalid_grant(service)
    expiry = session.refresh_expires_at
    if expiry is not None and service.clock() >= expiry:
        return invalid_grant(service)
    verdict = service.sessions.classify_refresh(sid, jti)
    if verdict is RefreshVerdict.REUSED:
        if not service.settings.on("token-refresh-reuse-not-detected"):
            service.sessions.revoke(sid)  # the whole family: attacker and victim both re-login
        return invalid_grant(service)
    if verdict is not RefreshVerdict.CURRENT:
        return invalid_grant(service)
    if service.settings.on("token-refresh-not-rotated"):
        # "Rotation broke the mobile app's offline mode": the same refresh token forever.
        body = service.issuer.session_response(session, user, refresh_token=token)
    else:
        if service.sessions.rotate(sid, jti) is None:
            return invalid_grant(service)
        body = service.issuer.session_response(session, user)
    return JSONResponse(body, headers=credential_headers(service.settings))


async def login(
    service: AuthService, request: Request, body: LoginRequest, pathway: Literal["web", "mobile"]
) -> JSONResponse:
    throttle = service.web_throttle if pathway == "web" else service.mobile_throttle
    keys = throttle.keys(request, body.username)
    wait = throttle.retry_after(keys)
    if wait is not None:
        message = {"error": "too_many_attempts", "message": "Too many attempts. Try again later."}
        return JSONResponse(message, 429, throttle.headers(keys, retry_after=wait))
    audience = body.audience or ACCESS_AUDIENCE
    scope = body.scope or "read write"
    if (
        (audience != ACCESS_AUDIENCE and audience not in OTHER_AUDIENCES)
        or body.tenant not in (None, "main", PARTNER_TENANT)
        or not set(scope.split()) <= USER_SCOPES
        or not scope.split()
    ):
        error = {"error": "invalid_request", "message": "Unknown audience, tenant or scope"}
        return JSONResponse(error, 400)
    user = service.users.by_username(normalize_username(body.username))
    password_ok = await service.passwords.check(user, body.password)
    if user is None or not password_ok or user.disabled:
        throttle.record_failure(keys)
        headers = throttle.headers(keys)
        if user is None and service.settings.on("rl-user-enum-response"):
            # "Helpful" error messages, straight from the UX review.
            message = {"error": "unknown_user", "message": "No account with that username"}
            return JSONResponse(message, 404, headers)
        message = {"error": "invalid_credentials", "message": "Invalid username or password"}
        headers["WWW-Authenticate"] = 'Bearer realm="authsift-lab"'
        return JSONResponse(message, 401, headers)
    session = service.issuer.start_session(
        SessionRequest(
            user=user,
            client_id=WEB_CLIENT_ID if pathway == "web" else MOBILE_CLIENT_ID,
            issuer=tenant_issuer(service.issuer_for(request), body.tenant),
            audience=audience,
            scope=scope,
            signing_key=service.keys.rsa if pathway == "web" else service.keys.ec,
        )
    )
    tokens = service.issuer.session_response(session, user, with_id_token=True)
    headers = throttle.headers(keys) | credential_headers(service.settings)
    return JSONResponse(tokens, 200, headers)


def build_auth_router(service: AuthService) -> APIRouter:
    router = APIRouter(tags=["auth"])
    settings = service.settings

    @router.post(
        "/auth/login", response_model=TokenResponse, responses=LOGIN_ERRORS, openapi_extra=PUBLIC
    )
    async def web_login(request: Request, body: LoginRequest) -> JSONResponse:
        """Sign in with username and password; returns access, refresh and ID tokens."""
        return await login(service, request, body, "web")

    @router.post(
        "/auth/mobile/login",
        response_model=TokenResponse,
        responses=LOGIN_ERRORS,
        openapi_extra=PUBLIC,
    )
    async def mobile_login(request: Request, body: LoginRequest) -> JSONResponse:
        """Sign in from the mobile app; its access tokens are ES256-signed."""
        return await login(service, request, body, "mobile")

    @router.post(
        "/auth/refresh",
        response_model=TokenResponse,
        responses={400: {"model": OAuthError}},
        openapi_extra=PUBLIC,
    )
    async def refresh(body: RefreshRequest) -> JSONResponse:
        """Exchange a refresh token for a new token pair."""
        return rotate_refresh(service, body.refresh_token)

    @router.post("/auth/logout", status_code=204, responses={401: {"description": "No session"}})
    async def logout(request: Request, _bearer: Bearer) -> Response:
        """End the caller's session: its access and refresh tokens stop working."""
        principal = await require_principal(service, request)
        if not settings.on("token-not-revoked-on-logout"):
            sid = principal.claims.get("sid")
            if isinstance(sid, str):
                service.sessions.revoke(sid)
            jti = principal.claims.get("jti")
            if isinstance(jti, str):
                service.sessions.revoke_access_jti(jti)
        # flaw on: the client is told to forget its tokens; the server forgets nothing
        return Response(status_code=204)

    @router.post(
        "/auth/password",
        response_model=PasswordChangeResult,
        responses={
            403: {"model": LoginError, "description": "Current password is wrong"},
            429: {"model": LoginError, "description": "Too many attempts; see Retry-After"},
        },
    )
    async def change_password(
        request: Request, body: PasswordChangeRequest, _bearer: Bearer
    ) -> JSONResponse:
        """Change the caller's password; every other session of the account ends."""
        principal = await require_principal(service, request)
        user = principal.user
        throttle = service.credential_throttle  # a stolen session must not guess the password
        keys = throttle.keys(request, user.username)
        wait = throttle.retry_after(keys)
        if wait is not None:
            error = {"error": "too_many_attempts", "message": "Too many attempts. Try again later."}
            return JSONResponse(error, 429, throttle.headers(keys, retry_after=wait))
        if not await service.passwords.check(user, body.current_password):
            throttle.record_failure(keys)
            error = {"error": "invalid_current_password", "message": "Current password is wrong"}
            return JSONResponse(error, 403)
        service.users.update(
            user.id, password=body.new_password, password_version=user.password_version + 1
        )
        ended = 0
        if not settings.on("token-not-revoked-on-password-change"):
            keep = principal.claims.get("sid")
            ended = service.sessions.revoke_user(
                user.id, keep_sid=keep if isinstance(keep, str) else None
            )
        result = {"status": "password changed", "sessions_ended": ended}
        return JSONResponse(result, headers=credential_headers(settings))

    @router.get("/auth/session", response_model=SessionInfo)
    async def session_info(request: Request, _bearer: Bearer) -> JSONResponse:
        """Who is signed in, for the web app's header bar."""
        if settings.on("jwt-signature-not-verified"):
            token = service.presented_token(request)
            if token is None:
                raise challenge_401(service)
            try:
                claims = jwt.decode(token, options={"verify_signature": False})
                principal = service.principal_from_claims(claims)
            except (jwt.PyJWTError, TokenRejected):
                raise service.invalid_token() from None
        else:
            principal = await require_principal(service, request)
        expiry = principal.claims.get("exp")
        info = SessionInfo(
            user_id=principal.user.id,
            username=principal.user.username,
            email=principal.user.email,
            role=principal.role or principal.user.role,
            session_id=str(principal.claims.get("sid")) if "sid" in principal.claims else None,
            expires_at=int(expiry) if isinstance(expiry, int | float) else None,
        )
        return JSONResponse(info.model_dump(), headers=credential_headers(settings))

    return router
