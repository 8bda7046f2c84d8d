"""Password reset by e-mailed code, plus the lab-only helpers tests and the demo need.

`/_lab/*` routes are not part of the product: they stand in for the user's mailbox, for a human
solving a CAPTCHA, and for "wait until this token expires". They are hidden from the OpenAPI
document so that the scanner never sees or probes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from authsift.lab.auth_models import LoginError, ResetAccepted, ResetConfirm, ResetRequest
from authsift.lab.auth_routes import PUBLIC
from authsift.lab.jwt_verify import ACCESS_AUDIENCE
from authsift.lab.password_reset import Redemption
from authsift.lab.ratelimit import normalize_username, peer_address
from authsift.lab.token_issue import WEB_CLIENT_ID, SessionRequest

if TYPE_CHECKING:
    from authsift.lab.auth_service import AuthService

_ACCEPTED = {"status": "If the account exists, a reset code has been sent to its e-mail address."}


class LabTokenRequest(BaseModel):
    username: str
    issued_at: float | None = None
    lifetime: int | None = Field(default=None, description="Seconds; negative values allowed")
    issuer: str | None = None


def build_reset_router(service: AuthService) -> APIRouter:
    router = APIRouter()
    settings = service.settings

    @router.post(
        "/auth/password-reset",
        status_code=202,
        response_model=ResetAccepted,
        responses={
            400: {"model": LoginError, "description": "CAPTCHA missing or wrong"},
            429: {"model": LoginError, "description": "Too many requests; see Retry-After"},
        },
        openapi_extra=PUBLIC,
        tags=["auth"],
    )
    async def request_reset(request: Request, body: ResetRequest) -> JSONResponse:
        """Mail a 6-digit reset code; the answer is the same whether or not the account exists."""
        budget, client = service.resets.request_budget, peer_address(request)
        if budget.remaining(client) == 0:
            error = {"error": "too_many_requests", "message": "Too many reset requests"}
            return JSONResponse(error, 429, {"Retry-After": str(budget.seconds_until_free(client))})
        budget.add(client)
        if not service.resets.captcha_passes(body.captcha_token):
            error = {"error": "captcha_required", "message": "Solve the CAPTCHA and try again"}
            return JSONResponse(error, 400)
        user = service.users.by_username(normalize_username(body.username))
        if user is not None and not user.disabled:
            service.resets.issue_code(user.username)
        return JSONResponse(_ACCEPTED, 202)

    @router.post(
        "/auth/password-reset/confirm",
        response_model=ResetAccepted,
        responses={
            400: {"model": LoginError, "description": "Wrong or expired code"},
            429: {"model": LoginError, "description": "Too many wrong codes; see Retry-After"},
        },
        openapi_extra=PUBLIC,
        tags=["auth"],
    )
    async def confirm_reset(body: ResetConfirm) -> JSONResponse:
        """Set a new password with the code from the e-mail; all sessions of the account end."""
        verdict, retry_after = service.resets.redeem(body.username, body.code.strip())
        if verdict is Redemption.LOCKED:
            error = {"error": "too_many_attempts", "message": "Too many wrong codes"}
            return JSONResponse(error, 429, {"Retry-After": str(retry_after)})
        user = service.users.by_username(normalize_username(body.username))
        if verdict is Redemption.REJECTED or user is None:
            error = {"error": "invalid_code", "message": "The code is wrong or has expired"}
            return JSONResponse(error, 400)
        service.users.update(
            user.id, password=body.new_password, password_version=user.password_version + 1
        )
        if not settings.on("token-not-revoked-on-password-change"):
            service.sessions.revoke_user(user.id)
        return JSONResponse({"status": "Password changed. Sign in with the new password."})

    @router.get("/_lab/mailbox/{username}", include_in_schema=False)
    async def mailbox(username: str) -> JSONResponse:
        """Lab only: the messages the lab 'sent' to a user (reset codes)."""
        return JSONResponse({"messages": service.resets.mailbox(username)})

    @router.post("/_lab/captcha", include_in_schema=False)
    async def solve_captcha() -> JSONResponse:
        """Lab only: a solved CAPTCHA token, as a human in front of the widget would get."""
        return JSONResponse({"captcha_token": service.resets.solve_captcha()})

    @router.post("/_lab/tokens", include_in_schema=False)
    async def mint(request: Request, body: LabTokenRequest) -> JSONResponse:
        """Lab only: a genuine access token with a chosen issue time and lifetime, so that expiry
        can be tested without waiting (e.g. `lifetime: -600` is a token that expired 10 min ago).
        """
        user = service.users.by_username(normalize_username(body.username))
        if user is None:
            return JSONResponse({"error": "unknown user"}, 404)
        session = service.issuer.start_session(
            SessionRequest(
                user=user,
                client_id=WEB_CLIENT_ID,
                issuer=body.issuer or service.issuer_for(request),
                audience=ACCESS_AUDIENCE,
            )
        )
        token = service.issuer.access_token(
            user,
            issuer=session.issuer,
            audience=ACCESS_AUDIENCE,
            scope=session.scope,
            client_id=WEB_CLIENT_ID,
            sid=session.sid,
            issued_at=body.issued_at,
            lifetime=body.lifetime,
        )
        return JSONResponse({"access_token": token})

    return router
