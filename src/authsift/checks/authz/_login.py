"""Logging in an account of the scanner's own (a canary), the way the API's users log in.

The way comes from the config (`ctx.facts.login`: `endpoints.login` completed by a configured
`login` identity's request), else from the spec: a `POST` whose path says login / sign-in /
token / session and whose body takes a password and a user name or e-mail. The token is taken
where the config says it is, else guessed from the answer (an `access_token`-like body field, a
session cookie, an `Authorization` header). Never used with a configured identity's password.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from authsift.analysis import exchange_json, loads_or_none
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._exposure import merge_schema
from authsift.checks.base import Context, LoginFacts
from authsift.model import Exchange, HttpRequest, Operation

_LOGIN_PATH = re.compile(
    r"(^|/)(log-?in|sign-?in|signon|token|tokens|sessions?|authenticate|auth)/?$", re.I
)
_TOKEN_KEYS = ("access_token", "accessToken", "token", "id_token", "jwt", "auth_token", "session")
_SESSION_COOKIE = re.compile(r"sess|sid|token|auth|jwt", re.I)
PASSWORD_FIELD = re.compile(r"^(password|password1|passwd|pass|pwd|plainpassword|userpassword)$")
USER_FIELD = re.compile(r"^(username|user|login|userid|handle|nickname|screenname|account)$")
EMAIL_FIELD = re.compile(r"^(email|emailaddress|mail|useremail|loginemail)$")


def login_way(ctx: Context) -> LoginFacts | None:
    """The configured login, else one detected from the spec; None when there is none."""
    if ctx.facts.login is not None:
        return ctx.facts.login
    for op in ctx.operations:
        if op.method != "POST" or not _LOGIN_PATH.search(op.path) or op.request_body is None:
            continue
        fields = body_fields(op)
        password = next((f for f in fields if PASSWORD_FIELD.match(normalized_key(f))), None)
        user = next(
            (
                f
                for f in fields
                if USER_FIELD.match(normalized_key(f)) or EMAIL_FIELD.match(normalized_key(f))
            ),
            None,
        )
        if password is None or user is None:
            continue
        content_type = op.request_body.content_type
        if "x-www-form-urlencoded" in content_type:
            return LoginFacts(op.method, op.path, f"$.{user}", f"$.{password}", "form")
        if "json" in content_type:
            return LoginFacts(op.method, op.path, f"$.{user}", f"$.{password}", "json")
    return None


def is_login(op: Operation, way: LoginFacts | None) -> bool:
    if way is not None and op.method == way.method and op.path == way.path:
        return True
    return bool(_LOGIN_PATH.search(op.path))


def body_fields(op: Operation) -> list[str]:
    if op.request_body is None:
        return []
    properties = merge_schema(op.request_body.schema).get("properties")
    return [str(k) for k in properties] if isinstance(properties, Mapping) else []


def login_request(ctx: Context, way: LoginFacts, username: str, password: str) -> HttpRequest:
    headers: list[tuple[str, str]] = [("Accept", "application/json"), *way.headers]
    body: bytes | None = None
    if way.encoding == "basic":
        pair = base64.b64encode(f"{username}:{password}".encode()).decode()
        ctx.add_secret(pair, "$CANARY_BASIC")
        headers.append(("Authorization", f"Basic {pair}"))
    else:
        values: dict[str, Any] = dict(way.fields)
        _put(values, way.username, username)
        _put(values, way.password, password)
        body, content_type = encode(values, form=way.encoding == "form")
        headers.append(("Content-Type", content_type))
    url = way.path if way.path.startswith(("http://", "https://")) else ctx.url(way.path)
    return HttpRequest(way.method, url, tuple(headers), body)


def is_form(op: Operation) -> bool:
    """The operation's body is an HTML form (`application/x-www-form-urlencoded`)."""
    return op.request_body is not None and "x-www-form-urlencoded" in op.request_body.content_type


def encode(values: Mapping[str, Any], *, form: bool) -> tuple[bytes, str]:
    """(body, content type): JSON, or a form where a list repeats its key (`roles=admin`),
    `true`/`false` stand for booleans and nested objects travel as JSON text."""
    if not form:
        return json.dumps(values).encode(), "application/json"
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, _form_text(item)))
    return urllib.parse.urlencode(pairs).encode(), "application/x-www-form-urlencoded"


def form_values(body: bytes | None) -> dict[str, Any]:
    """A form body (a spec example built as a form) back as a dict; {} when there is none."""
    text = (body or b"").decode("utf-8", errors="replace")
    return dict(urllib.parse.parse_qsl(text)) if "=" in text else {}


def _form_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return str(value) if isinstance(value, int | float) else json.dumps(value)


def token_of(way: LoginFacts, exchange: Exchange) -> tuple[str, str] | None:
    """(where, token) from a successful login answer: where is "header" or "cookie:NAME"."""
    response = exchange.response
    if response is None or not 200 <= response.status < 300:
        return None
    answer = exchange_json(exchange)
    if way.token_at and way.token_from == "body":
        found = _get(answer, way.token_at)
        return ("header", found) if isinstance(found, str) and found else None
    if way.token_at and way.token_from == "header":
        header = response.header(way.token_at) or ""
        return ("header", header.split(" ", 1)[-1]) if header else None
    if way.token_at and way.token_from == "cookie":
        value = _cookies(exchange).get(way.token_at)
        return (f"cookie:{way.token_at}", value) if value else None
    if isinstance(answer, dict):
        for record in (answer, *(answer.get(k) for k in ("data", "result", "auth", "tokens"))):
            if isinstance(record, dict):
                for key in _TOKEN_KEYS:
                    if isinstance(record.get(key), str) and record[key]:
                        return ("header", record[key])
    for name, value in _cookies(exchange).items():
        if _SESSION_COOKIE.search(name) and value:
            return (f"cookie:{name}", value)
    bearer = response.header("Authorization") or ""
    return ("header", bearer.split(" ", 1)[-1]) if bearer else None


def learn_secrets(ctx: Context, exchange: Exchange, known: str = "") -> None:
    """Register what a canary's sign-up or login answer hands out with the redactor: its
    session cookies and the `*token` fields of its body (an envelope's included)."""
    response = exchange.response
    if response is None:
        return
    for name, value in response.headers:
        if name.lower() == "set-cookie":
            cookie, _, secret = value.split(";", 1)[0].partition("=")
            if len(secret.strip()) >= 8 and secret.strip() != known:
                ctx.add_secret(secret.strip(), f"$CANARY_COOKIE_{normalized_key(cookie).upper()}")
    answer = loads_or_none(response.body)
    if not isinstance(answer, dict):
        return
    records = [answer, *(answer.get(k) for k in ("data", "user", "result", "auth", "tokens"))]
    for record in (r for r in records if isinstance(r, dict)):
        for key, value in record.items():
            long_enough = isinstance(value, str) and len(value) >= 16 and value != known
            if normalized_key(str(key)).endswith("token") and long_enough:
                ctx.add_secret(value, f"$CANARY_{normalized_key(str(key)).upper()}")


def _cookies(exchange: Exchange) -> dict[str, str]:
    assert exchange.response is not None
    found: dict[str, str] = {}
    for name, value in exchange.response.headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            found[key.strip()] = val.strip()
    return found


def _keys(path: str) -> list[str]:
    """`$.a.b` and `$['a']['b']` → ["a", "b"] (the simple JSONPaths a login uses)."""
    rest = path.removeprefix("$")
    return [k for k in re.split(r"\.|\[['\"]?|['\"]?\]", rest) if k]


def _put(values: dict[str, Any], path: str, value: str) -> None:
    keys = _keys(path) or ["username"]
    target = values
    for key in keys[:-1]:
        nested = target.get(key)
        target[key] = nested = dict(nested) if isinstance(nested, dict) else {}
        target = nested
    target[keys[-1]] = value


def _get(answer: Any, path: str) -> Any:
    for key in _keys(path):
        if isinstance(answer, dict):
            answer = answer.get(key)
        elif isinstance(answer, list) and key.isdigit() and int(key) < len(answer):
            answer = answer[int(key)]
        else:
            return None
    return answer
