"""Config identities → the engine's login recipes, and their secrets → the redactor.

The config describes (pydantic, user-facing names); the engine executes (plain dataclasses).
Keeping the translation in one place lets either side change shape without the other noticing.
"""

from __future__ import annotations

import base64
from dataclasses import replace

from authsift.config import Config, IdentityConfig
from authsift.config.auth import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    CookieAuth,
    HeaderAuth,
    LoginAuth,
    OAuth2Auth,
)
from authsift.config.pieces import TokenApply, TokenSource
from authsift.engine.auth import IdentitySpec, Locator, LoginRecipe, OAuth2Recipe
from authsift.engine.credentials import Credential
from authsift.engine.redact import Redactor, placeholder_for
from authsift.plan import IdentityInfo


def identity_specs(config: Config) -> list[IdentitySpec]:
    refresh = config.endpoints.refresh
    refresh_endpoint = (refresh.method, refresh.path) if refresh is not None else None
    return [_spec(identity, refresh_endpoint) for identity in config.identities]


def identity_infos(config: Config) -> list[IdentityInfo]:
    return [
        IdentityInfo(i.name, i.role, config.is_privileged(i), i.auth.type)
        for i in config.identities
    ]


def register_secrets(config: Config, redactor: Redactor) -> None:
    """Every secret of the config, under its placeholder, plus the encoded forms they travel in."""
    for secret, placeholder in config.secrets().items():
        redactor.add(secret, placeholder)
    for identity in config.identities:
        auth = identity.auth
        if isinstance(auth, BasicAuth):
            redactor.add_basic(
                auth.username,
                auth.password.get_secret_value(),
                placeholder_for(identity.name, "basic"),
            )
        if isinstance(auth, LoginAuth) and auth.request.basic is not None:
            basic = auth.request.basic
            redactor.add_basic(
                basic.username,
                basic.password.get_secret_value(),
                placeholder_for(identity.name, "basic"),
            )
        if isinstance(auth, OAuth2Auth) and auth.client_secret is not None:
            redactor.add_basic(
                auth.client_id,
                auth.client_secret.get_secret_value(),
                placeholder_for(identity.name, "client"),
            )


def _spec(identity: IdentityConfig, refresh_endpoint: tuple[str, str] | None) -> IdentitySpec:
    auth = identity.auth
    common = IdentitySpec(identity.name, identity.role, auth.type, tuple(identity.scopes))
    if isinstance(auth, BearerAuth):
        static = Credential(
            "header", "Authorization", auth.token.get_secret_value(), "Bearer {token}"
        )
        return replace(common, static=static)
    if isinstance(auth, HeaderAuth):
        return replace(
            common, static=Credential("header", auth.name, auth.value.get_secret_value())
        )
    if isinstance(auth, ApiKeyAuth):
        static = Credential(auth.location, auth.name, auth.value.get_secret_value())
        return replace(common, static=static)
    if isinstance(auth, BasicAuth):
        pair = base64.b64encode(
            f"{auth.username}:{auth.password.get_secret_value()}".encode()
        ).decode()
        return replace(common, static=Credential("header", "Authorization", pair, "Basic {token}"))
    if isinstance(auth, CookieAuth):
        cookie = "; ".join(f"{k}={v}" for k, v in auth.as_dict().items())
        return replace(common, static=Credential("header", "Cookie", cookie))
    if isinstance(auth, LoginAuth):
        return replace(common, login=_login(auth), refresh_endpoint=refresh_endpoint)
    assert isinstance(auth, OAuth2Auth)
    recipe = OAuth2Recipe(
        grant=auth.grant,
        token_url=auth.token_url,
        client_id=auth.client_id,
        client_secret=auth.client_secret.get_secret_value() if auth.client_secret else None,
        username=auth.username,
        password=auth.password.get_secret_value() if auth.password else None,
        refresh_token=auth.refresh_token.get_secret_value() if auth.refresh_token else None,
        scope=auth.scope,
        audience=auth.audience,
        auth_method=auth.auth_method,
    )
    return replace(common, oauth2=recipe)


def _login(auth: LoginAuth) -> LoginRecipe:
    request = auth.request
    csrf = auth.csrf
    return LoginRecipe(
        method=request.method,
        path=request.path,
        token=_locator(auth.token),
        apply=_apply(auth.apply),
        json_body=request.json_body,
        form_body={k: str(v) for k, v in request.form.items()}
        if request.form is not None
        else None,
        basic=(request.basic.username, request.basic.password.get_secret_value())
        if request.basic
        else None,
        headers=tuple(request.headers.items()),
        refresh_token=_locator(auth.refresh_token) if auth.refresh_token else None,
        expires_in=Locator("body", auth.expires_in.path) if auth.expires_in else None,
        csrf_request=(csrf.request.method, csrf.request.path) if csrf else None,
        csrf_token=_locator(csrf.token) if csrf else None,
        csrf_apply_header=csrf.apply.header if csrf else None,
        csrf_apply_field=csrf.apply.field if csrf else None,
    )


def _locator(source: TokenSource) -> Locator:
    return Locator(source.source, source.path or "", source.name or "")


def _apply(apply: TokenApply) -> Credential:
    if apply.header is not None:
        return Credential("header", apply.header, "", apply.template)
    if apply.cookie is not None:
        return Credential("cookie", apply.cookie, "", apply.template)
    assert apply.query is not None
    return Credential("query", apply.query, "", apply.template)
