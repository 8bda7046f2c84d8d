"""`authsift init`: the starter is pre-filled from the spec and loads once secrets are set."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml

from authsift.config import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    Config,
    LoginAuth,
    config_json_schema,
    load_config,
)
from authsift.config.starter import find_login, find_logout, find_refresh, starter_config
from authsift.model import (
    ApiSpec,
    Operation,
    Parameter,
    ParamLocation,
    RequestBody,
    SecurityScheme,
)

TARGET = "http://127.0.0.1:8000"


def json_body(*fields: str) -> RequestBody:
    schema = {"type": "object", "properties": {f: {"type": "string"} for f in fields}}
    return RequestBody("application/json", schema, required=True)


def answer(*fields: str) -> dict[str, dict[str, Any]]:
    return {"200": {"type": "object", "properties": {f: {"type": "string"} for f in fields}}}


SHOP_OPERATIONS = (
    Operation(
        "POST",
        "/api/v1/auth/signin",
        operation_id="signIn",
        request_body=json_body("email", "password"),
        responses=answer("accessToken", "refreshToken", "expiresIn"),
    ),
    Operation("POST", "/api/v1/auth/token/refresh", operation_id="refreshToken"),
    Operation("POST", "/api/v1/auth/signout", summary="Sign out"),
    Operation("GET", "/api/v1/auth/login-page", summary="Login page"),
    Operation(
        "GET",
        "/api/v1/orders/{order_id}",
        parameters=(Parameter("order_id", ParamLocation.PATH, required=True),),
        security=({"bearerAuth": ()},),
    ),
    Operation("POST", "/api/v1/admin/reset-db", summary="Wipe all data"),
)

BEARER = {"bearerAuth": SecurityScheme("bearerAuth", "http", scheme="bearer", bearer_format="JWT")}


def spec_with(operations: tuple[Operation, ...], schemes: dict[str, SecurityScheme]) -> ApiSpec:
    return ApiSpec(
        "Shop", "1.2", "3.0.3", "openapi.yaml", operations=operations, security_schemes=schemes
    )


def variables(text: str) -> list[str]:
    return sorted(set(re.findall(r"\$\{([A-Z0-9_]+)\}", text)))


def load_starter(text: str, tmp_path: Path) -> Config:
    path = tmp_path / "authsift.yaml"
    path.write_text(text)
    env = {name: f"value-of-{name.lower()}" for name in variables(text)}
    return load_config(path, env=env)


def test_starter_from_a_login_spec_round_trips(tmp_path: Path) -> None:
    text = starter_config(spec_with(SHOP_OPERATIONS, BEARER), TARGET)
    assert variables(text) == ["ALICE_PASSWORD", "BOB_PASSWORD", "CAROL_PASSWORD"]
    assert "export ALICE_PASSWORD=... BOB_PASSWORD=... CAROL_PASSWORD=..." in text
    config = load_starter(text, tmp_path)
    assert config.target == TARGET and config.spec == "openapi.yaml"
    assert [(i.name, i.role) for i in config.identities] == [
        ("alice", "user"),
        ("bob", "user"),
        ("carol", "admin"),
    ]
    alice = config.identities[0].auth
    assert isinstance(alice, LoginAuth)
    assert alice.request.path == "/api/v1/auth/signin"
    assert alice.request.json_body == {
        "email": "alice@example.com",
        "password": "value-of-alice_password",
    }
    assert alice.token.path == "$.accessToken"
    assert alice.refresh_token is not None and alice.refresh_token.path == "$.refreshToken"
    assert alice.apply.render("t") == "Bearer t"
    login = config.endpoints.login
    assert login is not None and (login.path, login.username, login.password) == (
        "/api/v1/auth/signin",
        "$.email",
        "$.password",
    )
    assert config.endpoints.refresh is not None
    assert config.endpoints.refresh.path == "/api/v1/auth/token/refresh"
    assert config.endpoints.logout is not None
    assert config.endpoints.logout.path == "/api/v1/auth/signout"
    assert config.operations.exclude == ["POST /api/v1/admin/reset-db"]
    assert config.secrets()["value-of-bob_password"] == "$BOB_PASSWORD"
    assert "#   alice: {order_id: [1, 2]}" in text


def test_starter_has_every_section_of_the_contract() -> None:
    text = starter_config(spec_with(SHOP_OPERATIONS, BEARER), TARGET)
    keys = set(yaml.safe_load(text))
    assert keys == {
        "target",
        "spec",
        "scope",
        "identities",
        "privileged_roles",
        "endpoints",
        "operations",
        "checks",
        "abuse",
        "limits",
        "policy",
        "report",
        "fail_on",
        "tls",
    }
    jsonschema.Draft202012Validator(config_json_schema()).validate(yaml.safe_load(text))
    for commented in ("# resources:", "# proxy:", "# oidc_discovery:"):
        assert commented in text
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 10


@pytest.mark.parametrize(
    ("schemes", "kind", "names"),
    [
        (
            {"key": SecurityScheme("key", "apiKey", location="header", param_name="X-Shop-Key")},
            ApiKeyAuth,
            ["ALICE_KEY", "BOB_KEY", "CAROL_KEY"],
        ),
        (
            {"key": SecurityScheme("key", "apiKey", location="query", param_name="api_key")},
            ApiKeyAuth,
            ["ALICE_KEY", "BOB_KEY", "CAROL_KEY"],
        ),
        (BEARER, BearerAuth, ["ALICE_TOKEN", "BOB_TOKEN", "CAROL_TOKEN"]),
        (
            {"basic": SecurityScheme("basic", "http", scheme="basic")},
            BasicAuth,
            ["ALICE_PASSWORD", "BOB_PASSWORD", "CAROL_PASSWORD"],
        ),
        ({}, BearerAuth, ["ALICE_TOKEN", "BOB_TOKEN", "CAROL_TOKEN"]),
    ],
)
def test_starter_without_login_uses_the_declared_scheme(
    tmp_path: Path, schemes: dict[str, SecurityScheme], kind: type, names: list[str]
) -> None:
    alternatives: tuple[dict[str, tuple[str, ...]], ...] = tuple({n: ()} for n in schemes)
    security = alternatives or None
    operations = (Operation("GET", "/items", security=security),)
    text = starter_config(spec_with(operations, schemes), TARGET)
    assert variables(text) == names
    config = load_starter(text, tmp_path)
    auth = config.identities[1].auth
    assert isinstance(auth, kind)
    if isinstance(auth, ApiKeyAuth):
        scheme = next(iter(schemes.values()))
        assert (auth.location, auth.name) == (scheme.location, scheme.param_name)
    assert "# login: {method: POST, path: /auth/login}   # not found in the spec" in text
    assert config.endpoints.login is None and config.operations.exclude == []


def test_starter_prefers_the_scheme_most_operations_use(tmp_path: Path) -> None:
    schemes = {
        "basic": SecurityScheme("basic", "http", scheme="basic"),
        "key": SecurityScheme("key", "apiKey", location="header", param_name="X-Key"),
    }
    operations = (
        *(Operation("GET", f"/items/{n}", security=({"key": ()},)) for n in range(3)),
        Operation("GET", "/legacy", security=({"basic": ()},)),
    )
    config = load_starter(starter_config(spec_with(operations, schemes), TARGET), tmp_path)
    assert isinstance(config.identities[0].auth, ApiKeyAuth)


def test_starter_oauth_style_form_login(tmp_path: Path) -> None:
    form = RequestBody(
        "application/x-www-form-urlencoded",
        {"type": "object", "properties": {"grant_type": {}, "username": {}, "password": {}}},
    )
    operations = (
        Operation("POST", "/oauth/token", request_body=form, responses=answer("access_token")),
    )
    config = load_starter(starter_config(spec_with(operations, {}), TARGET), tmp_path)
    auth = config.identities[2].auth
    assert isinstance(auth, LoginAuth)
    assert auth.request.form == {
        "grant_type": "password",
        "username": "carol",
        "password": "value-of-carol_password",
    }
    assert auth.token.path == "$.access_token" and auth.refresh_token is None


def test_endpoint_guessing_keeps_login_refresh_and_logout_apart() -> None:
    login = find_login(SHOP_OPERATIONS)
    assert login is not None and login.path == "/api/v1/auth/signin"
    refresh = find_refresh(SHOP_OPERATIONS)
    assert refresh is not None and refresh.operation_id == "refreshToken"
    logout = find_logout(SHOP_OPERATIONS)
    assert logout is not None and logout.path == "/api/v1/auth/signout"
    weak_only = (Operation("POST", "/session"), Operation("POST", "/api/auth/tokens/refresh"))
    found = find_login(weak_only)
    assert found is not None and found.path == "/session"
    assert find_login((Operation("GET", "/login"), Operation("POST", "/orders"))) is None
    assert find_refresh((Operation("GET", "/refresh"),)) is None
