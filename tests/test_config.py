"""authsift.yaml: every key of DESIGN §5 loads, secrets resolve, each mistake is one clear line."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml
from pydantic import BaseModel, SecretStr

from authsift.config import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    Config,
    ConfigError,
    CookieAuth,
    HeaderAuth,
    LoginAuth,
    OAuth2Auth,
    config_from_cli,
    config_json_schema,
    config_reference_markdown,
    identity_from_cli,
    load_config,
    parse_yaml,
)
from authsift.model import Severity

# DESIGN.md §5, verbatim.
DESIGN_EXAMPLE = """\
target: http://127.0.0.1:8000          # its origin is in scope; nothing else unless listed in scope
spec: openapi.json                      # file or URL; if absent, tried at common paths under target
scope: ["127.0.0.1:9000"]
identities:
  - name: alice
    role: user                          # roles drive BFLA; "admin" (or any role in privileged_roles) is privileged
    auth:
      type: login                       # bearer | header | api_key | basic | cookie | login | oauth2
      request: {method: POST, path: /auth/login, json: {username: alice, password: "${ALICE_PASSWORD}"}}
      # the login body may instead be form: {...} (urlencoded), or basic: {username, password};
      # headers: {...} may be added; an optional csrf pre-request may fetch a token/cookie first
      token: {from: body, path: "$.access_token"}          # from: body (JSONPath) | header | cookie
      refresh_token: {from: body, path: "$.refresh_token"}
      apply: {header: Authorization, format: "Bearer {token}"}
  - {name: bob, role: user, auth: {type: bearer, token: "${BOB_TOKEN}"}}
  - {name: ops, role: admin, auth: {type: api_key, in: header, name: X-API-Key, value: "${OPS_KEY}"}}
  - {name: alice-ro, role: user, scopes: [read], auth: {type: api_key, in: header, name: X-API-Key, value: "${RO_KEY}"}}
    # scopes: what this credential is meant to be limited to (drives apikey-over-privileged)
  # oauth2: {type: oauth2, grant: client_credentials|password|refresh_token, token_url: ..., client_id: ..., ...}
privileged_roles: [admin]
endpoints:                              # auto-detected from the spec where absent
  login:   {method: POST, path: /auth/login, username: "$.username", password: "$.password"}
  refresh: {method: POST, path: /auth/refresh}
  logout:  {method: POST, path: /auth/logout}
  oidc_discovery: /.well-known/openid-configuration
operations: {exclude: ["POST /admin/reset-db", "* /internal/*"]}   # never sent; include: [...] narrows
resources: {alice: {order_id: [1, 2]}}  # optional seeds, keyed by path/query parameter name:
                                        # objects each identity owns (discovery adds to them)
checks: {include: [all], exclude: [], intrusive: false}
limits: {rate: 10, concurrency: 4, max_requests: 5000, timeout: 10, max_time: 900}
policy: {max_access_token_lifetime: 3600, max_refresh_token_lifetime: 1209600}
report: {formats: [console, json, sarif, html], dir: authsift-report}
fail_on: high
"""  # noqa: E501  (verbatim from DESIGN.md)

ENV = {
    "ALICE_PASSWORD": "alice-pass-1",
    "BOB_TOKEN": "bob-token-2",
    "OPS_KEY": "ops-key-3",
    "RO_KEY": "ro-key-4",
}

MINIMAL = "target: http://api.test\nidentities: [{name: a, auth: {type: bearer, token: t0k3n}}]\n"


def load_text(text: str, tmp_path: Path, env: dict[str, str] | None = None) -> Config:
    path = tmp_path / "authsift.yaml"
    path.write_text(text)
    return load_config(path, env=ENV if env is None else env)


def config_error(text: str, tmp_path: Path, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_text(text, tmp_path, env)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def with_identity(auth: str, extra: str = "") -> str:
    return f"target: http://api.test\n{extra}identities:\n  - name: a\n    auth: {auth}\n"


# --------------------------------------------------------------------------- the §5 contract


def test_design_example_loads_every_key(tmp_path: Path) -> None:
    config = load_text(DESIGN_EXAMPLE, tmp_path)
    assert config.target == "http://127.0.0.1:8000"
    assert config.spec == "openapi.json"
    assert config.scope == ["127.0.0.1:9000"]
    alice, bob, ops, alice_ro = config.identities
    assert isinstance(alice.auth, LoginAuth)
    assert alice.auth.request.method == "POST" and alice.auth.request.path == "/auth/login"
    assert alice.auth.request.json_body == {"username": "alice", "password": "alice-pass-1"}
    assert (alice.auth.token.source, alice.auth.token.path) == ("body", "$.access_token")
    assert alice.auth.refresh_token is not None
    assert alice.auth.refresh_token.path == "$.refresh_token"
    assert (
        alice.auth.apply.render("abc") == "Bearer abc"
        and alice.auth.apply.header == "Authorization"
    )
    assert isinstance(bob.auth, BearerAuth) and bob.auth.token.get_secret_value() == "bob-token-2"
    assert isinstance(ops.auth, ApiKeyAuth) and ops.role == "admin"
    assert (ops.auth.location, ops.auth.name) == ("header", "X-API-Key")
    assert alice_ro.scopes == ["read"] and alice_ro.name == "alice-ro"
    assert config.privileged_roles == ["admin"] and config.is_privileged(ops)
    assert not config.is_privileged(alice)
    login = config.endpoints.login
    assert login is not None and (login.path, login.username, login.password) == (
        "/auth/login",
        "$.username",
        "$.password",
    )
    assert config.endpoints.refresh is not None and config.endpoints.refresh.path == "/auth/refresh"
    assert config.endpoints.logout is not None and config.endpoints.logout.method == "POST"
    assert config.endpoints.oidc_discovery == "/.well-known/openid-configuration"
    assert config.operations.exclude == ["POST /admin/reset-db", "* /internal/*"]
    assert config.resources == {"alice": {"order_id": [1, 2]}}
    assert (config.checks.include, config.checks.exclude, config.checks.intrusive) == (
        ["all"],
        [],
        False,
    )
    limits = config.limits
    assert (limits.rate, limits.concurrency, limits.max_requests) == (10, 4, 5000)
    assert (limits.timeout, limits.max_time) == (10, 900)
    assert config.policy.max_access_token_lifetime == 3600
    assert config.policy.max_refresh_token_lifetime == 1209600
    assert config.report.formats == ["console", "json", "sarif", "html"]
    assert config.report.dir == "authsift-report"
    assert config.fail_on == "high" and config.fail_on_severity is Severity.HIGH


def test_defaults_fill_everything_but_target_and_identities(tmp_path: Path) -> None:
    config = load_text(MINIMAL, tmp_path)
    assert config.spec is None and config.scope == [] and config.proxy is None
    assert config.identities[0].role == "user"
    assert config.privileged_roles == ["admin"]
    assert config.checks.include == ["all"] and config.checks.intrusive is False
    assert config.limits.model_dump() == {
        "rate": 10,
        "concurrency": 4,
        "max_requests": 5000,
        "timeout": 10,
        "max_time": 900,
        "max_body": 1024 * 1024,
        "retries": 2,
    }
    assert config.report.formats == ["console", "json", "sarif", "html"]
    assert config.fail_on == "high" and config.tls.verify is True
    assert config.policy.access == {}


def test_an_empty_section_means_its_defaults(tmp_path: Path) -> None:
    text = MINIMAL + "endpoints:\n  # login: {path: /login}\nscope:\nlimits: {rate: 2, retries:}\n"
    config = load_text(text, tmp_path)
    assert config.endpoints.login is None and config.scope == []
    assert (config.limits.rate, config.limits.retries) == (2, 2)
    assert config_error("target:\nidentities: []\n", tmp_path).startswith(
        "target: expected a string"
    )


def test_operation_filters_and_scope(tmp_path: Path) -> None:
    config = load_text(DESIGN_EXAMPLE, tmp_path)
    assert not config.operations.selects("POST", "/admin/reset-db")
    assert not config.operations.selects("get", "/internal/a/b")
    assert config.operations.selects("GET", "/admin/reset-db")
    assert config.operations.selects("GET", "/orders/{order_id}")
    narrowed = config.override({"operations.include": ["GET /orders/*"]})
    assert narrowed.operations.selects("GET", "/orders/{order_id}")
    assert not narrowed.operations.selects("GET", "/users")
    assert config.origin == "http://127.0.0.1:8000"
    assert config.allows_origin("http://127.0.0.1:8000/users?x=1")
    assert config.allows_origin("http://127.0.0.1:9000/")
    assert not config.allows_origin("http://127.0.0.1:9001/")
    assert not config.allows_origin("https://127.0.0.1:8000/")
    assert not config.allows_origin("http://localhost:8000/")


def test_override_applies_cli_flags_with_the_same_validation(tmp_path: Path) -> None:
    config = load_text(DESIGN_EXAMPLE, tmp_path)
    changed = config.override({"checks.intrusive": True, "fail_on": "none"})
    assert changed.checks.intrusive and changed.fail_on_severity is None
    assert changed.secrets() == config.secrets()
    with pytest.raises(ConfigError, match=r"^fail_on: expected one of info, low"):
        config.override({"fail_on": "severe"})


# --------------------------------------------------------------------------- auth types


@pytest.mark.parametrize(
    ("auth", "kind", "check"),
    [
        ("{type: bearer, token: abc}", BearerAuth, lambda a: a.token.get_secret_value() == "abc"),
        (
            "{type: header, name: X-Session, value: 'Token ${BOB_TOKEN}'}",
            HeaderAuth,
            lambda a: a.value.get_secret_value() == "Token bob-token-2",
        ),
        (
            "{type: api_key, in: query, name: api_key, value: k}",
            ApiKeyAuth,
            lambda a: a.location == "query",
        ),
        ("{type: api_key, name: K, value: k}", ApiKeyAuth, lambda a: a.location == "header"),
        (
            "{type: basic, username: u, password: '${OPS_KEY}'}",
            BasicAuth,
            lambda a: a.password.get_secret_value() == "ops-key-3",
        ),
        (
            "{type: cookie, name: sid, value: s1}",
            CookieAuth,
            lambda a: a.as_dict() == {"sid": "s1"},
        ),
        (
            "{type: cookie, cookies: {sid: s1, csrf: c2}}",
            CookieAuth,
            lambda a: a.as_dict() == {"sid": "s1", "csrf": "c2"},
        ),
        (
            "{type: login, request: {path: /login, form: {user: a, pass: p}}, "
            "token: {from: cookie, name: session}, apply: {cookie: session}}",
            LoginAuth,
            lambda a: a.request.form == {"user": "a", "pass": "p"} and a.apply.render("x") == "x",
        ),
        (
            "{type: login, request: {path: /login, basic: {username: a, password: p}, "
            "headers: {X-Client: cli}}, token: {from: header, name: X-Token}, "
            "apply: {query: access_token}, expires_in: {from: body, path: $.expires_in}}",
            LoginAuth,
            lambda a: a.request.basic.username == "a" and a.expires_in.path == "$.expires_in",
        ),
        (
            "{type: login, request: {path: /login, json: {u: a}}, csrf: {request: {path: /form}, "
            "token: {from: cookie, name: csrftoken}, apply: {header: X-CSRFToken}}}",
            LoginAuth,
            lambda a: a.csrf.apply.header == "X-CSRFToken" and a.token.path == "$.access_token",
        ),
        (
            "{type: oauth2, grant: client_credentials, token_url: 'https://idp.test/token', "
            "client_id: c, client_secret: s, scope: 'read write', audience: api}",
            OAuth2Auth,
            lambda a: a.auth_method == "client_secret_basic" and a.scope == "read write",
        ),
        (
            "{type: oauth2, grant: password, token_url: /token, client_id: c, "
            "auth_method: none, username: u, password: p}",
            OAuth2Auth,
            lambda a: a.password.get_secret_value() == "p",
        ),
        (
            "{type: oauth2, grant: refresh_token, token_url: /token, client_id: c, "
            "client_secret: s, auth_method: client_secret_post, refresh_token: r}",
            OAuth2Auth,
            lambda a: a.refresh_token.get_secret_value() == "r",
        ),
    ],
)
def test_each_auth_type_loads(tmp_path: Path, auth: str, kind: type[BaseModel], check: Any) -> None:
    identity = load_text(with_identity(auth), tmp_path).identities[0]
    assert isinstance(identity.auth, kind)
    assert check(identity.auth)


def test_credentials_never_show_in_repr(tmp_path: Path) -> None:
    config = load_text(DESIGN_EXAMPLE, tmp_path)
    shown = repr(config) + str(config)
    for secret in ENV.values():
        assert secret not in shown


# --------------------------------------------------------------------------- one-line errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            with_identity("{type: beare, token: x}"),
            "identities[0].auth.type: expected one of bearer, header, api_key, basic, cookie, "
            "login, oauth2 (got 'beare')",
        ),
        (
            with_identity("{token: x}"),
            "identities[0].auth.type: required (one of bearer, header, api_key, basic, cookie, "
            "login, oauth2)",
        ),
        (with_identity("{type: bearer}"), "identities[0].auth.token: required"),
        (
            with_identity("{type: bearer, token: x}", "limits: {rate: 0}\n"),
            "limits.rate: must be greater than 0",
        ),
        (
            with_identity("{type: bearer, token: x}", "limits: {concurrency: many}\n"),
            "limits.concurrency: expected an integer (got 'many')",
        ),
        ("identities: [{name: a, auth: {type: bearer, token: x}}]\n", "target: required"),
        (
            "target: ftp://files.test\nidentities: [{name: a, auth: {type: bearer, token: x}}]\n",
            "target: must be an http:// or https:// URL with a host (got 'ftp://files.test')",
        ),
        ("target: http://a.test\nidentities: []\n", "identities: must not be empty"),
        (
            "target: http://a.test\nidentites: []\n",
            "unknown key 'identites' (did you mean 'identities'?) (and 1 more)",
        ),
        (
            with_identity("{type: bearer, token: x}", "limits: {rte: 5}\n"),
            "limits: unknown key 'rte' (did you mean 'rate'?)",
        ),
        (
            with_identity("{type: bearer, tokn: x}"),
            "identities[0].auth: unknown key 'tokn' (did you mean 'token'?) (and 1 more)",
        ),
        (
            with_identity("{type: api_key, location: query, name: k, value: v}"),
            "identities[0].auth: unknown key 'location' (did you mean 'in'?)",
        ),
        (
            with_identity("{type: api_key, in: body, name: k, value: v}"),
            "identities[0].auth.in: expected one of header, query, cookie (got 'body')",
        ),
        (
            with_identity("{type: bearer, token: x}", "fail_on: severe\n"),
            "fail_on: expected one of info, low, medium, high, critical, none (got 'severe')",
        ),
        (
            "target: http://a.test\nidentities: [{name: 'a b', auth: {type: bearer, token: x}}]\n",
            "identities[0].name: must match ^[A-Za-z0-9_.-]+$ (got 'a b')",
        ),
        (
            "target: http://a.test\nidentities:\n  - {name: a, auth: {type: bearer, token: x}}\n"
            "  - {name: a, auth: {type: bearer, token: y}}\n",
            "identities[1].name: 'a' is used twice",
        ),
        (
            "target: http://a.test\nidentities: [{name: alice, auth: {type: bearer, token: x}}]\n"
            "resources: {alcie: {id: [1]}}\n",
            "resources.alcie: no identity named 'alcie' (did you mean 'alice'?)",
        ),
        (
            with_identity("{type: bearer, token: x}", "resources: {a: {id: [{x: 1}]}}\n"),
            "resources.a.id[0]: expected a string or a number (got dict)",
        ),
        (
            with_identity("{type: bearer, token: x}", "operations: {exclude: ['FETCH /x']}\n"),
            "operations.exclude: 'FETCH /x': method must be an HTTP method or '*'",
        ),
        (
            with_identity("{type: login, request: {path: /l}, token: {from: body}}"),
            "identities[0].auth.token: from: body takes path (a JSONPath such as $.access_token)",
        ),
        (
            with_identity("{type: login, request: {path: /l}, token: {from: body, path: '$.[['}}"),
            "identities[0].auth.token: invalid JSONPath",
        ),
        (
            with_identity("{type: login, request: {path: /l}, apply: {header: A, cookie: c}}"),
            "identities[0].auth.apply: give exactly one of header, cookie or query",
        ),
        (
            with_identity("{type: login, request: {path: /l, json: {}, form: {}}}"),
            "identities[0].auth.request: give json or form, not both",
        ),
        (
            with_identity(
                "{type: oauth2, grant: password, token_url: /t, client_id: c, auth_method: none}"
            ),
            "identities[0].auth: grant password needs username and password (RFC 6749 §4.3.2)",
        ),
        (
            with_identity("{type: oauth2, grant: client_credentials, token_url: /t, client_id: c}"),
            "identities[0].auth: auth_method client_secret_basic needs client_secret",
        ),
        (
            with_identity("{type: cookie, name: sid, value: v, cookies: {a: b}}"),
            "identities[0].auth: give either name/value or cookies, not both",
        ),
        (
            with_identity("{type: basic, username: 'a:b', password: p}"),
            "identities[0].auth.username: must not contain ':' (RFC 7617 §2)",
        ),
        ("target: [http://a.test\n", "authsift.yaml:2:1: YAML syntax error:"),
        ("", "the config is empty: target and identities are required"),
        ("- target\n", "expected a mapping of key: value at the top (got list)"),
    ],
)
def test_errors_are_one_line_naming_the_key_path(tmp_path: Path, text: str, expected: str) -> None:
    message = config_error(text, tmp_path)
    if expected.startswith("authsift.yaml:"):
        assert message.startswith(str(tmp_path / "authsift.yaml") + ":2:1: YAML syntax error:")
    elif expected.endswith(("invalid JSONPath", "needs client_secret")):
        assert message.startswith(expected)
    else:
        assert message == expected


def test_every_problem_is_kept_for_the_cli(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_text("target: 3\nidentites: []\nlimits: {rate: -1}\n", tmp_path)
    problems = caught.value.problems
    assert problems[0] == "unknown key 'identites' (did you mean 'identities'?)"
    assert "limits.rate: must be greater than 0" in problems
    assert "identities: required" in problems
    assert str(caught.value).endswith(f"(and {len(problems) - 1} more)")


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^config file '.*nope\.yaml' not found$"):
        load_config(tmp_path / "nope.yaml", env={})


# --------------------------------------------------------------------------- secret references


def test_env_references_whole_embedded_and_escaped(tmp_path: Path) -> None:
    auth = "{type: header, name: X-A, value: 'Key ${BOB_TOKEN}; $${NOT_A_VAR}'}"
    config = load_text(
        with_identity(auth, "spec: '${SPEC_URL}'\n"),
        tmp_path,
        {**ENV, "SPEC_URL": "http://s/o.json"},
    )
    assert config.spec == "http://s/o.json"
    header = config.identities[0].auth
    assert isinstance(header, HeaderAuth)
    assert header.value.get_secret_value() == "Key bob-token-2; ${NOT_A_VAR}"


def test_unset_env_var_names_key_path_and_variable(tmp_path: Path) -> None:
    env = {key: value for key, value in ENV.items() if key != "BOB_TOKEN"}
    message = config_error(DESIGN_EXAMPLE, tmp_path, env)
    assert message == "identities[1].auth.token: environment variable BOB_TOKEN is not set"


def test_malformed_reference_is_an_error(tmp_path: Path) -> None:
    message = config_error(with_identity("{type: bearer, token: '${1BAD}'}"), tmp_path)
    assert message.startswith("identities[0].auth.token: malformed reference")


def test_file_references_absolute_relative_and_missing(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "alice.token").write_text("alice-file-token\n")
    absolute = tmp_path / "bob.pw"
    absolute.write_text("bob-file-pw\r\n")
    text = (
        "target: http://api.test\nspec: file:///srv/openapi.json\nidentities:\n"
        "  - {name: alice, auth: {type: bearer, token: 'file:secrets/alice.token'}}\n"
        f"  - {{name: bob, auth: {{type: basic, username: bob, password: 'file:{absolute}'}}}}\n"
    )
    config = load_text(text, tmp_path)
    alice, bob = (identity.auth for identity in config.identities)
    assert isinstance(alice, BearerAuth) and isinstance(bob, BasicAuth)
    assert alice.token.get_secret_value() == "alice-file-token"
    assert bob.password.get_secret_value() == "bob-file-pw"
    assert config.spec == "file:///srv/openapi.json"  # a URL, not a reference
    missing = config_error(with_identity("{type: bearer, token: 'file:gone.txt'}"), tmp_path)
    assert missing == f"identities[0].auth.token: file {str(tmp_path / 'gone.txt')!r} not found"


def test_secrets_map_every_credential_to_its_placeholder(tmp_path: Path) -> None:
    config = load_text(DESIGN_EXAMPLE, tmp_path)
    assert config.secrets() == {
        "alice-pass-1": "$ALICE_PASSWORD",
        "bob-token-2": "$BOB_TOKEN",
        "ops-key-3": "$OPS_KEY",
        "ro-key-4": "$ALICE_RO_KEY",
    }


def test_secrets_cover_every_auth_shape(tmp_path: Path) -> None:
    text = (
        "target: http://api.test\nproxy: 'http://me:pr%40xy@127.0.0.1:8080'\nidentities:\n"
        "  - {name: h, auth: {type: header, name: X-S, value: 'Token ${BOB_TOKEN}'}}\n"
        "  - {name: b, auth: {type: basic, username: bee, password: pw-bee}}\n"
        "  - {name: c, auth: {type: cookie, cookies: {sid: sid-c, csrf: csrf-c}}}\n"
        "  - name: l\n    auth:\n      type: login\n"
        "      request: {path: /login, json: {user: {email: '${OPS_KEY}', password: lit-pw}},"
        " headers: {X-Api-Key: hdr-key, Accept: json}}\n"
        "  - {name: o, auth: {type: oauth2, grant: refresh_token, token_url: /t, client_id: cid,"
        " client_secret: cs-o, refresh_token: rt-o}}\n"
    )
    secrets = load_text(text, tmp_path).secrets()
    assert secrets["Token bob-token-2"] == "$H_TOKEN"
    assert secrets["bob-token-2"] == "$H_TOKEN"
    assert secrets["pw-bee"] == "$B_PASSWORD"
    assert secrets[base64.b64encode(b"bee:pw-bee").decode()] == "$B_BASIC"
    assert (secrets["sid-c"], secrets["csrf-c"]) == ("$C_COOKIE_SID", "$C_COOKIE_CSRF")
    assert secrets["lit-pw"] == "$L_PASSWORD"
    assert secrets["hdr-key"] == "$L_X_API_KEY"
    assert (secrets["cs-o"], secrets["rt-o"]) == ("$O_CLIENT_SECRET", "$O_REFRESH_TOKEN")
    assert secrets["pr@xy"] == "$PROXY_PASSWORD"
    # user names identify objects in evidence: never redacted, even from a reference
    assert "ops-key-3" not in secrets and "bee" not in secrets and "json" not in secrets


# --------------------------------------------------------------------------- generated docs


def test_json_schema_is_valid_and_matches_the_models(tmp_path: Path) -> None:
    schema = config_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    resolved = load_text(DESIGN_EXAMPLE, tmp_path).model_dump(mode="json", by_alias=True)
    resolved["identities"][1]["auth"]["token"] = "bob-token-2"  # SecretStr dumps masked
    for identity in resolved["identities"][2:]:
        identity["auth"]["value"] = "key"
    assert list(validator.iter_errors(yaml.safe_load(DESIGN_EXAMPLE))) == []
    assert list(validator.iter_errors(resolved)) == []
    typo = yaml.safe_load(DESIGN_EXAMPLE) | {"identites": []}
    assert not validator.is_valid(typo)
    assert not validator.is_valid(parse_yaml(with_identity("{type: beare, token: x}")))


def _all_models(model: type[BaseModel], seen: set[type[BaseModel]]) -> None:
    seen.add(model)
    for field in model.model_fields.values():
        for candidate in _types_in(field.annotation):
            is_model = isinstance(candidate, type) and issubclass(candidate, BaseModel)
            if is_model and candidate not in seen:
                _all_models(candidate, seen)


def _types_in(annotation: Any) -> list[Any]:
    args = getattr(annotation, "__args__", None) or ()
    metadata = getattr(annotation, "__metadata__", None)
    nested = [annotation.__origin__] if metadata is not None else []
    return [annotation, *nested, *(t for arg in args for t in _types_in(arg))]


def test_every_key_is_described_and_in_the_reference() -> None:
    models: set[type[BaseModel]] = set()
    _all_models(Config, models)
    assert len(models) >= 20
    reference = config_reference_markdown()
    for model in models:
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
    for key in Config.model_fields:
        assert f"| `{key}` |" in reference
    for key in ("identities[].auth.in", "identities[].auth.csrf.apply.field", "limits.max_body"):
        assert f"| `{key}` |" in reference
    assert "| `target` | string | **required** |" in reference
    assert "| `limits.rate` | number | `10` |" in reference


# --------------------------------------------------------------------------- the quick form

QUICK_ENV = {"ALICE_TOKEN": "qa-tok", "OPS_KEY": "qo-key", "USER": "uu", "PASS": "qp-pass"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alice:bearer:env:ALICE_TOKEN", {"type": "bearer", "token": "qa-tok"}),
        ("alice:bearer:env:$ALICE_TOKEN", {"type": "bearer", "token": "qa-tok"}),
        (
            "ops:api_key:header:X-API-Key:env:OPS_KEY",
            {"type": "api_key", "in": "header", "name": "X-API-Key", "value": "qo-key"},
        ),
        (
            "ops:api_key:query:key:env:OPS_KEY",
            {"type": "api_key", "in": "query", "name": "key", "value": "qo-key"},
        ),
        ("u:basic:env:USER:env:PASS", {"type": "basic", "username": "uu", "password": "qp-pass"}),
        ("u:basic:carol:env:PASS", {"type": "basic", "username": "carol", "password": "qp-pass"}),
        (
            "s:header:X-Session:env:PASS",
            {"type": "header", "name": "X-Session", "value": "qp-pass"},
        ),
        ("w:cookie:sid:env:PASS", {"type": "cookie", "name": "sid", "value": "qp-pass"}),
    ],
)
def test_quick_form_identities(text: str, expected: dict[str, str]) -> None:
    identity = identity_from_cli(text, env=QUICK_ENV)
    dumped = identity.auth.model_dump(by_alias=True, exclude_defaults=False)
    plain = {k: v.get_secret_value() if isinstance(v, SecretStr) else v for k, v in dumped.items()}
    assert {k: plain[k] for k in expected} == expected
    assert identity.name == text.split(":")[0] and identity.role == "user"


def test_quick_form_role_and_file_path_with_colons(tmp_path: Path) -> None:
    secret = tmp_path / "odd:name.token"
    secret.write_text("file-tok\n")
    identity = identity_from_cli(f"root@admin:bearer:file:{secret}", env={})
    assert identity.role == "admin" and identity.name == "root"
    assert isinstance(identity.auth, BearerAuth)
    assert identity.auth.token.get_secret_value() == "file-tok"
    relative = identity_from_cli("r:bearer:file:odd:name.token", env={}, base_dir=tmp_path)
    assert isinstance(relative.auth, BearerAuth)
    assert relative.auth.token.get_secret_value() == "file-tok"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "alice:bearer:s3cr3t",
            "--identity alice:bearer:s3cr3t: the token must be a reference, env:VARIABLE or "
            "file:PATH (got a literal value); secrets are never given on the command line",
        ),
        (
            "ops:api_key:header:X-API-Key:abc123",
            "--identity ops:api_key:header:X-API-Key:abc123: the key must be a reference",
        ),
        ("u:basic:env:USER:hunter2", "--identity u:basic:env:USER:hunter2: the password must be"),
        (
            "alice:bearer:env:NOPE",
            "--identity alice:bearer:env:NOPE: environment variable NOPE is not set",
        ),
        (
            "alice:login:env:X",
            "--identity alice:login:env:X: auth type must be one of bearer, header, api_key, "
            "basic, cookie (got 'login') — use a config file for it",
        ),
        ("alice:beare:env:X", "--identity alice:beare:env:X: auth type must be one of"),
        ("alice", "--identity alice: missing auth type"),
        ("alice:bearer", "--identity alice:bearer: the token must be a reference"),
        (
            "alice:bearer:env:ALICE_TOKEN:extra",
            "--identity alice:bearer:env:ALICE_TOKEN:extra: unexpected ':extra'",
        ),
        ("a b:bearer:env:ALICE_TOKEN", "--identity a b:bearer:env:ALICE_TOKEN: name: must match"),
        (
            "ops:api_key:body:K:env:OPS_KEY",
            "--identity ops:api_key:body:K:env:OPS_KEY: auth.in: expected one of header, query",
        ),
        ("alice:bearer:env:1X", "--identity alice:bearer:env:1X: '1X' is not an environment"),
    ],
)
def test_quick_form_rejections(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        identity_from_cli(text, env=QUICK_ENV)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(expected), message


def test_config_from_cli_builds_a_full_config() -> None:
    config = config_from_cli(
        "http://127.0.0.1:8000",
        "openapi.json",
        ["alice:bearer:env:ALICE_TOKEN", "ops@admin:api_key:header:X-API-Key:env:OPS_KEY"],
        settings={"checks.intrusive": True, "fail_on": "medium", "report.formats": ["json"]},
        env=QUICK_ENV,
    )
    assert [i.name for i in config.identities] == ["alice", "ops"]
    assert config.checks.intrusive and config.fail_on_severity is Severity.MEDIUM
    assert config.report.formats == ["json"] and config.spec == "openapi.json"
    assert config.secrets() == {"qa-tok": "$ALICE_TOKEN", "qo-key": "$OPS_KEY"}
    with pytest.raises(ConfigError, match=r"^target: must be an http"):
        config_from_cli("localhost", None, ["alice:bearer:env:ALICE_TOKEN"], env=QUICK_ENV)
    with pytest.raises(ConfigError, match=r"^limits.rate: must be greater than 0$"):
        config_from_cli(
            "http://a.test",
            None,
            ["a:bearer:env:ALICE_TOKEN"],
            settings={"limits.rate": 0},
            env=QUICK_ENV,
        )
    with pytest.raises(ConfigError, match="at least one --identity"):
        config_from_cli("http://a.test", None, [], env=QUICK_ENV)
