"""Request and response bodies of the token side, so that /openapi.json describes them exactly."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=200, examples=["alice"])
    password: str = Field(max_length=1000, examples=["alice-lab-pass-1"])
    audience: str | None = Field(
        default=None, description="Resource server the token is for (default: this API)"
    )
    tenant: str | None = Field(default=None, description='"main" (default) or "partner"')
    scope: str | None = Field(default=None, description='Space-separated subset of "read write"')


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    refresh_token: str | None = None
    refresh_expires_in: int | None = None
    scope: str
    id_token: str | None = None


class LoginError(BaseModel):
    error: str
    message: str


class OAuthError(BaseModel):
    """RFC 6749 §5.2 error response."""

    error: str
    error_description: str | None = None


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=8000)


class PasswordChangeRequest(BaseModel):
    current_password: str = Field(max_length=1000)
    new_password: str = Field(min_length=8, max_length=1000)


class PasswordChangeResult(BaseModel):
    status: str
    sessions_ended: int


class SessionInfo(BaseModel):
    user_id: int
    username: str
    email: str
    role: str
    session_id: str | None = None
    expires_at: int | None = None


class UserInfo(BaseModel):
    """OIDC Core §5.3.2 UserInfo response."""

    sub: str
    preferred_username: str
    email: str
    name: str
    role: str


class ResetRequest(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    captcha_token: str | None = Field(default=None, description="Token of the solved CAPTCHA")


class ResetAccepted(BaseModel):
    status: str


class ResetConfirm(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=32)
    new_password: str = Field(min_length=8, max_length=1000)


class IntrospectionResult(BaseModel):
    """RFC 7662 §2.2."""

    active: bool
    sub: str | None = None
    scope: str | None = None
    client_id: str | None = None
    exp: int | None = None
    token_type: str | None = None
    username: str | None = None


class JsonWebKeySet(BaseModel):
    keys: list[dict[str, str]]


LOGIN_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": LoginError, "description": "Invalid username or password"},
    429: {"model": LoginError, "description": "Too many attempts; see Retry-After"},
}
