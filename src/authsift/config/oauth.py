"""`oauth:` — the authorization server the oauth- family audits, and how to act as its client.

The scan plays a registered client: it reads the server's metadata (RFC 8414 §3 / OIDC
Discovery §4), sends authorization requests, signs the test user in through the server's own
login form (no browser: the engine's HTTP session, redirects followed only within scope) and
redeems codes at the token endpoint. The issuer's origin is in scope because the operator named
it here. Secrets (`client_secret`, the user's password) are `SecretStr` and redacted everywhere.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote_plus, urlsplit

from pydantic import Field, SecretStr, field_validator

from authsift.config.base import ConfigModel


class OAuthClientConfig(ConfigModel):
    """A client registered at the authorization server for the scan."""

    client_id: str = Field(description="The client's `client_id` (RFC 6749 §2.2).")
    client_secret: SecretStr | None = Field(
        default=None,
        description="Its secret, e.g. `${CLIENT_SECRET}`; absent for a public client.",
    )
    redirect_uri: str = Field(
        description="A redirect URI registered for the client, byte for byte (RFC 6749 §3.1.2). "
        "The scan never needs anything to listen there: it reads the code from the redirect."
    )
    auth_method: str = Field(
        default="client_secret_basic",
        description="How the client authenticates at the token endpoint: client_secret_basic, "
        "client_secret_post or none (RFC 6749 §2.3.1).",
    )

    @field_validator("auth_method")
    @classmethod
    def _known_method(cls, method: str) -> str:
        allowed = ("client_secret_basic", "client_secret_post", "none")
        if method not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)} (got {method!r})")
        return method


class OAuthUserConfig(ConfigModel):
    """The test user the scan signs in with at the authorization server's login form."""

    username: str = Field(description="User name typed into the login form.")
    password: SecretStr = Field(description="Its password, e.g. `${IDP_PASSWORD}`.")
    username_field: str | None = Field(
        default=None,
        description="Name of the form's user-name input; found from the form when absent "
        "(the text or e-mail input beside the password input).",
    )
    password_field: str | None = Field(
        default=None,
        description="Name of the form's password input; found from the form when absent.",
    )


class OAuthConfig(ConfigModel):
    """The OAuth 2.0 / OpenID Connect authorization server under test."""

    issuer: str | None = Field(
        default=None,
        description="Issuer identifier (RFC 8414 §2), e.g. `https://idp.example`, or a path on "
        "the target (`/idp`); metadata is read from its well-known documents. Setting it turns "
        "the oauth- family on.",
    )
    scope: str = Field(default="openid", description="Scope requested in authorization requests.")
    client: OAuthClientConfig | None = Field(
        default=None, description="The client the scan acts as."
    )
    second_client: OAuthClientConfig | None = Field(
        default=None,
        description="Another registered client, for the code- and token-binding checks.",
    )
    user: OAuthUserConfig | None = Field(
        default=None, description="Test user for the authorization-code flow."
    )

    @field_validator("issuer")
    @classmethod
    def _issuer_url(cls, issuer: str | None) -> str | None:
        if issuer is None:
            return None
        if not issuer.startswith(("http://", "https://", "/")):
            raise ValueError(
                f"must be an http(s) URL such as https://idp.example or a path such as /idp "
                f"(got {issuer!r})"
            )
        return issuer

    def issuer_url(self, target: str) -> str | None:
        """The issuer as an absolute URL (a path is taken on the target's origin)."""
        if self.issuer is None or not self.issuer.startswith("/"):
            return self.issuer
        parts = urlsplit(target)
        return f"{parts.scheme}://{parts.netloc}{self.issuer.rstrip('/') or ''}"

    def as_settings(self, target: str) -> dict[str, Any]:
        """The plain values checks read from `ScanFacts.settings["oauth"]`."""

        def client(config: OAuthClientConfig | None) -> dict[str, Any] | None:
            if config is None:
                return None
            secret = config.client_secret
            return {
                "client_id": config.client_id,
                "client_secret": secret.get_secret_value() if secret is not None else None,
                "redirect_uri": config.redirect_uri,
                "auth_method": config.auth_method,
            }

        user = self.user
        return {
            "issuer": self.issuer_url(target),
            "scope": self.scope,
            "client": client(self.client),
            "second_client": client(self.second_client),
            "user": None
            if user is None
            else {
                "username": user.username,
                "password": user.password.get_secret_value(),
                "username_field": user.username_field,
                "password_field": user.password_field,
            },
        }

    def secrets(self) -> dict[str, str]:
        """value → placeholder for every credential here (the redactor hides them)."""
        found: dict[str, str] = {}
        for name, config in (("CLIENT", self.client), ("SECOND_CLIENT", self.second_client)):
            if config is not None and config.client_secret is not None:
                secret = config.client_secret.get_secret_value()
                found[secret] = f"$OAUTH_{name}_SECRET"
                # RFC 6749 §2.3.1: form-urlencoded, then HTTP Basic (as the client sends it)
                pair = f"{quote_plus(config.client_id)}:{quote_plus(secret)}"
                found[base64.b64encode(pair.encode()).decode()] = f"$OAUTH_{name}_BASIC"
        if self.user is not None:
            found[self.user.password.get_secret_value()] = "$OAUTH_USER_PASSWORD"
        return found
