"""Small building blocks shared by the login flow and the endpoints section."""

from __future__ import annotations

from typing import Any, Literal

from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.parser import parse as parse_jsonpath
from pydantic import Field, SecretStr, field_validator, model_validator

from authsift.config.base import ConfigModel

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")


def check_jsonpath(path: str) -> str:
    """A JSONPath must parse now, not fail at the first login half-way through a scan."""
    if not path.startswith("$"):
        raise ValueError(f"must be a JSONPath starting with '$' (got {path!r})")
    try:
        parse_jsonpath(path)
    except (JsonPathLexerError, JsonPathParserError, Exception) as error:
        raise ValueError(f"invalid JSONPath {path!r}: {error}") from None
    return path


def check_method(method: str) -> str:
    upper = method.upper()
    if upper not in HTTP_METHODS:
        raise ValueError(f"expected an HTTP method such as GET or POST (got {method!r})")
    return upper


def check_path_or_url(path: str) -> str:
    if not path.startswith(("/", "http://", "https://")):
        raise ValueError(f"must start with '/' or be an http(s) URL (got {path!r})")
    return path


class LoginBasic(ConfigModel):
    """Log in by sending HTTP Basic credentials (RFC 7617) to the login endpoint."""

    username: str = Field(description="User name.")
    password: SecretStr = Field(description="Password, e.g. `${ALICE_PASSWORD}`.")


class LoginRequest(ConfigModel):
    """The request that logs an identity in; at most one of json, form (basic may join either)."""

    method: str = Field(default="POST", description="HTTP method.")
    path: str = Field(description="Path on the target (or an absolute URL in scope).")
    json_body: dict[str, Any] | None = Field(
        default=None, alias="json", repr=False, description="JSON body."
    )
    form: dict[str, Any] | None = Field(
        default=None, repr=False, description="`application/x-www-form-urlencoded` body."
    )
    basic: LoginBasic | None = Field(default=None, description="HTTP Basic credentials.")
    headers: dict[str, str] = Field(
        default_factory=dict, repr=False, description="Extra headers for the login request."
    )

    _check_method = field_validator("method")(check_method)
    _check_path = field_validator("path")(check_path_or_url)

    @field_validator("form")
    @classmethod
    def _flat_form(cls, form: dict[str, Any] | None) -> dict[str, Any] | None:
        for key, value in (form or {}).items():
            if isinstance(value, dict | list):
                raise ValueError(
                    f"form field {key!r} must be a single value, not a {type(value).__name__}"
                )
        return form

    @model_validator(mode="after")
    def _one_body(self) -> LoginRequest:
        if self.json_body is not None and self.form is not None:
            raise ValueError("give json or form, not both")
        return self


class TokenSource(ConfigModel):
    """Where a token is in an answer: a JSONPath into the body, a header, or a cookie."""

    source: Literal["body", "header", "cookie"] = Field(
        alias="from", description="body (use path), header or cookie (use name)."
    )
    path: str | None = Field(default=None, description="JSONPath into the body, e.g. `$.token`.")
    name: str | None = Field(default=None, description="Header or cookie name.")

    @model_validator(mode="after")
    def _path_or_name(self) -> TokenSource:
        if self.source == "body":
            if self.path is None or self.name is not None:
                raise ValueError("from: body takes path (a JSONPath such as $.access_token)")
            check_jsonpath(self.path)
        elif self.name is None or self.path is not None:
            raise ValueError(f"from: {self.source} takes name (the {self.source} name)")
        return self


class TokenApply(ConfigModel):
    """How an obtained token is sent: one of header (with format), cookie or query parameter."""

    header: str | None = Field(default=None, description="Send in this header.")
    cookie: str | None = Field(default=None, description="Send as this cookie.")
    query: str | None = Field(default=None, description="Send as this query parameter.")
    format: str | None = Field(
        default=None,
        description="Template with `{token}`; default `Bearer {token}` for Authorization, "
        "else `{token}`.",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> TokenApply:
        targets = [t for t in (self.header, self.cookie, self.query) if t is not None]
        if len(targets) != 1:
            raise ValueError("give exactly one of header, cookie or query")
        if self.format is not None and "{token}" not in self.format:
            raise ValueError("format must contain {token}")
        return self

    @property
    def template(self) -> str:
        """The effective format: RFC 6750 §2.1's `Bearer` scheme for the Authorization header."""
        if self.format is not None:
            return self.format
        if self.header is not None and self.header.lower() == "authorization":
            return "Bearer {token}"
        return "{token}"

    def render(self, token: str) -> str:
        return self.template.replace("{token}", token)
