"""How an account logs in, told to the checks that log in accounts of their own (canaries).

The config says it in two places: `endpoints.login` (method, path, where the user name and the
password go) and each `login` identity's request (body encoding, the other fields it sends,
where the token is in the answer, how the token is applied). `login_facts` merges them into one
`checks.base.LoginFacts`, keeping the shape of the login and none of the identity's secrets.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext import parse as jsonpath_parse  # type: ignore[attr-defined]

from authsift.checks.base import LoginFacts
from authsift.config import Config
from authsift.config.auth import BasicAuth, LoginAuth, OAuth2Auth

_PASSWORD_KEY = re.compile(r"pass(word)?|passwd|pwd", re.I)
_USER_KEY = re.compile(r"user|e-?mail|login|account|handle|phone", re.I)


def login_facts(config: Config) -> LoginFacts | None:
    configured = config.endpoints.login
    logins = [
        (identity.name, identity.auth)
        for identity in config.identities
        if isinstance(identity.auth, LoginAuth)
    ]
    if configured is not None:
        same = [
            (name, auth)
            for name, auth in logins
            if auth.request.method == configured.method and auth.request.path == configured.path
        ]
        logins = same
    if configured is None and not logins:
        return None
    if not logins:
        assert configured is not None
        return LoginFacts(
            configured.method, configured.path, configured.username, configured.password
        )
    name, auth = logins[0]
    request = auth.request
    body: dict[str, Any] = dict(request.json_body or request.form or {})
    encoding: Literal["json", "form", "basic"] = (
        "form" if request.form is not None else "json" if request.json_body is not None else "basic"
    )
    user_path = configured.username if configured else _path_of(body, _USER_KEY, "$.username")
    password_path = configured.password if configured else _path_of(body, _PASSWORD_KEY, "")
    if encoding == "basic" and configured is None:
        user_path, password_path = "$.username", "$.password"
    credential_keys = {_top_key(user_path), _top_key(password_path)}
    fields = {k: v for k, v in body.items() if k not in credential_keys}
    token = auth.token
    return LoginFacts(
        method=request.method,
        path=request.path,
        username=user_path,
        password=password_path or "$.password",
        encoding=encoding,
        fields=fields,
        headers=tuple(request.headers.items()),
        token_from=token.source,
        token_at=(token.path if token.source == "body" else token.name) or "",
        identity=name,
    )


def login_usernames(config: Config) -> dict[str, str]:
    """identity → the user name its config logs in with: a login request's user-name field
    (`endpoints.login.username` where the identity logs in there, else the first body key that
    names a user), a Basic user name, a password grant's username. Only names, never secrets."""
    names: dict[str, str] = {}
    for identity in config.identities:
        name = _config_name(identity.auth, config)
        if isinstance(name, str) and name and "{" not in name:
            names[identity.name] = name
    return names


def _config_name(auth: object, config: Config) -> object:
    if isinstance(auth, BasicAuth):
        return auth.username
    if isinstance(auth, OAuth2Auth):
        return auth.username if auth.grant == "password" else None
    return _login_name(auth, config) if isinstance(auth, LoginAuth) else None


def _login_name(auth: LoginAuth, config: Config) -> object:
    body: dict[str, Any] = dict(auth.request.json_body or auth.request.form or {})
    configured = config.endpoints.login
    if configured is not None and (auth.request.method, auth.request.path) == (
        configured.method,
        configured.path,
    ):
        path = configured.username
    else:
        path = _path_of(body, _USER_KEY, "")
    return _value_at(body, path) if path else None


def _value_at(body: dict[str, Any], path: str) -> object:
    """The first value at a JSONPath (`$.login`, `$.credentials.email`) of a login body."""
    try:
        matches = jsonpath_parse(path).find(body)
    except (JsonPathLexerError, JsonPathParserError):  # `$.user-name` from a body key
        return None
    return matches[0].value if matches else None


def _path_of(body: dict[str, Any], pattern: re.Pattern[str], default: str) -> str:
    for key in body:
        if pattern.fullmatch(key) or pattern.search(key):
            return f"$.{key}"
    return default


def _top_key(path: str) -> str:
    """`$.email` → `email`; `$.credentials.email` → `credentials` (the whole sub-object)."""
    return path.removeprefix("$").lstrip(".").split(".", 1)[0].strip("[]'\"")
