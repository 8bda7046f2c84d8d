"""How each identity proves who it is: one model per `auth.type`, a union keyed on `type`.

Credential fields are `SecretStr`, so a config printed in a log or a traceback shows `**********`.
The engine (engine/auth.py) turns these descriptions into requests; nothing here talks HTTP.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from authsift.config.base import ConfigModel
from authsift.config.pieces import (
    LoginRequest,
    TokenApply,
    TokenSource,
    check_jsonpath,
)

IDENTITY_NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"

AUTH_TYPES = ("bearer", "header", "api_key", "basic", "cookie", "login", "oauth2")


class BearerAuth(ConfigModel):
    """A fixed bearer token sent as `Authorization: Bearer <token>` (RFC 6750 §2.1)."""

    type: Literal["bearer"] = Field(description="Send a fixed bearer token.")
    token: SecretStr = Field(description="The token, e.g. `${ALICE_TOKEN}`.")


class HeaderAuth(ConfigModel):
    """Any header that carries a credential, sent verbatim on every request."""

    type: Literal["header"] = Field(description="Send a fixed header.")
    name: str = Field(min_length=1, description="Header name, e.g. `X-Session`.")
    value: SecretStr = Field(description="Header value, e.g. `Token ${OPS_TOKEN}`.")


class ApiKeyAuth(ConfigModel):
    """An API key in a header, query parameter or cookie (OpenAPI `apiKey` security scheme)."""

    type: Literal["api_key"] = Field(description="Send an API key.")
    location: Literal["header", "query", "cookie"] = Field(
        default="header", alias="in", description="Where the key goes: header, query or cookie."
    )
    name: str = Field(min_length=1, description="Header, query parameter or cookie name.")
    value: SecretStr = Field(description="The key, e.g. `${OPS_KEY}`.")


class BasicAuth(ConfigModel):
    """HTTP Basic (RFC 7617 §2): `user-id ":" password`, base64-encoded, on every request."""

    type: Literal["basic"] = Field(description="Send HTTP Basic credentials.")
    username: str = Field(description="User name (RFC 7617: must not contain ':').")
    password: SecretStr = Field(description="Password, e.g. `${ALICE_PASSWORD}`.")

    @field_validator("username")
    @classmethod
    def _no_colon(cls, username: str) -> str:
        # RFC 7617 §2: "a user-id containing a colon character is invalid".
        if ":" in username:
            raise ValueError("must not contain ':' (RFC 7617 §2)")
        return username


class CookieAuth(ConfigModel):
    """A session cookie (or several) obtained out of band, sent on every request."""

    type: Literal["cookie"] = Field(description="Send fixed cookies.")
    name: str | None = Field(default=None, description="Cookie name (single-cookie form).")
    value: SecretStr | None = Field(default=None, description="Cookie value (single-cookie form).")
    cookies: dict[str, SecretStr] = Field(
        default_factory=dict, description="Several cookies, name: value (instead of name/value)."
    )

    @model_validator(mode="after")
    def _one_form(self) -> CookieAuth:
        single = self.name is not None or self.value is not None
        if single and self.cookies:
            raise ValueError("give either name/value or cookies, not both")
        if single and (self.name is None or self.value is None):
            raise ValueError("name and value go together")
        if not single and not self.cookies:
            raise ValueError("give name and value, or cookies: {name: value}")
        return self

    def as_dict(self) -> dict[str, str]:
        """Every cookie, name → plain value, whichever form the config used."""
        if self.name is not None and self.value is not None:
            return {self.name: self.value.get_secret_value()}
        return {name: value.get_secret_value() for name, value in self.cookies.items()}


class ExpirySource(ConfigModel):
    """Where the login answer says how long the token lives (OAuth `expires_in`, RFC 6749 §5.1)."""

    source: Literal["body"] = Field(default="body", alias="from", description="Only `body`.")
    path: str = Field(description="JSONPath to the lifetime in seconds, e.g. `$.expires_in`.")

    _check_path = field_validator("path")(check_jsonpath)


class CsrfApply(ConfigModel):
    """How the CSRF token joins the login request: as a header or as a body field."""

    header: str | None = Field(default=None, description="Send the token in this header.")
    field: str | None = Field(default=None, description="Add the token as this body field.")

    @model_validator(mode="after")
    def _exactly_one(self) -> CsrfApply:
        if (self.header is None) == (self.field is None):
            raise ValueError("give exactly one of header or field")
        return self


class CsrfRequest(ConfigModel):
    method: str = Field(default="GET", description="Method of the CSRF pre-request.")
    path: str = Field(description="Path of the page or endpoint that hands out the token.")


class CsrfStep(ConfigModel):
    """A pre-request that fetches an anti-CSRF token (and cookie) before logging in."""

    request: CsrfRequest = Field(description="The pre-request.")
    token: TokenSource = Field(description="Where the CSRF token is in its answer.")
    apply: CsrfApply = Field(description="How the token joins the login request.")


class LoginAuth(ConfigModel):
    """Log in with a request, take the token from the answer, and apply it to every request.

    The engine logs in again when the token expires (`expires_in` or the JWT `exp`) or when a
    request answers 401, and uses `refresh_token` with `endpoints.refresh` when both exist.
    """

    type: Literal["login"] = Field(description="Log in with a request.")
    request: LoginRequest = Field(description="The login request.")
    csrf: CsrfStep | None = Field(default=None, description="Optional CSRF pre-request.")
    token: TokenSource = Field(
        default_factory=lambda: TokenSource.model_validate(
            {"from": "body", "path": "$.access_token"}
        ),
        description="Where the token is in the login answer (default: body `$.access_token`).",
    )
    refresh_token: TokenSource | None = Field(
        default=None, description="Where the refresh token is in the login answer, if any."
    )
    apply: TokenApply = Field(
        default_factory=lambda: TokenApply(header="Authorization"),
        description="How the token is sent (default: `Authorization: Bearer {token}`).",
    )
    expires_in: ExpirySource | None = Field(
        default=None, description="Where the answer gives the token lifetime in seconds."
    )


class OAuth2Auth(ConfigModel):
    """Get a token from an OAuth 2.0 token endpoint (RFC 6749 §4.3, §4.4, §6)."""

    type: Literal["oauth2"] = Field(description="Get a token from a token endpoint.")
    grant: Literal["client_credentials", "password", "refresh_token"] = Field(
        description="The grant type used at the token endpoint."
    )
    token_url: str = Field(description="Token endpoint: absolute URL, or a path on the target.")
    client_id: str = Field(description="OAuth client id.")
    client_secret: SecretStr | None = Field(default=None, description="OAuth client secret.")
    username: str | None = Field(default=None, description="Resource owner (password grant).")
    password: SecretStr | None = Field(default=None, description="Password (password grant).")
    refresh_token: SecretStr | None = Field(
        default=None, description="Refresh token (refresh_token grant)."
    )
    scope: str | None = Field(default=None, description="Space-separated scopes to request.")
    audience: str | None = Field(default=None, description="`audience` parameter, if required.")
    auth_method: Literal["client_secret_basic", "client_secret_post", "none"] = Field(
        default="client_secret_basic",
        description="How the client authenticates at the token endpoint (RFC 6749 §2.3.1).",
    )

    @field_validator("token_url")
    @classmethod
    def _url_or_path(cls, url: str) -> str:
        if not (url.startswith(("http://", "https://", "/"))):
            raise ValueError("must be an http(s) URL or a path starting with '/'")
        return url

    @model_validator(mode="after")
    def _grant_needs(self) -> OAuth2Auth:
        # RFC 6749 §4.3.2: the password grant's "username REQUIRED" and "password REQUIRED".
        if self.grant == "password" and (self.username is None or self.password is None):
            raise ValueError("grant password needs username and password (RFC 6749 §4.3.2)")
        # RFC 6749 §6: "refresh_token REQUIRED. The refresh token issued to the client."
        if self.grant == "refresh_token" and self.refresh_token is None:
            raise ValueError("grant refresh_token needs refresh_token (RFC 6749 §6)")
        # RFC 6749 §2.3.1: client_secret_basic/post send the secret; "none" is a public client.
        if self.auth_method != "none" and self.client_secret is None:
            raise ValueError(f"auth_method {self.auth_method} needs client_secret (or use none)")
        return self


AuthConfig = Annotated[
    BearerAuth | HeaderAuth | ApiKeyAuth | BasicAuth | CookieAuth | LoginAuth | OAuth2Auth,
    Field(discriminator="type"),
]


class IdentityConfig(ConfigModel):
    """One user (or client) the scan acts as; two or more make authorization testable."""

    name: str = Field(
        pattern=IDENTITY_NAME_PATTERN,
        description="Unique name used in reports and placeholders (letters, digits, _ . -).",
    )
    role: str = Field(
        default="user",
        min_length=1,
        description="Role; roles in `privileged_roles` are privileged (drives BFLA checks).",
    )
    scopes: list[str] = Field(
        default_factory=list,
        description="What this credential is meant to be limited to "
        "(drives apikey-over-privileged).",
    )
    auth: AuthConfig = Field(description="How this identity authenticates.")

    @property
    def auth_type(self) -> str:
        return self.auth.type
