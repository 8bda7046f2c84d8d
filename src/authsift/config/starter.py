"""`authsift init`: a commented starter authsift.yaml, pre-filled from what the spec says.

A blank config is where users give up (research/user-voice.md), so the starter guesses what it
can — the login, refresh and logout endpoints, the login body's field names, the token field in
the login answer, the API-key header — and leaves every secret as a `${ENV}` reference, so the
file can be committed as is. The output loads with `load_config` once the variables are set.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from authsift.model import ApiSpec, Operation, SecurityScheme

_LOGOUT = re.compile(r"log-?out|sign-?out|sign_out|log_out|logoff")
_REFRESH = re.compile(r"refresh")
_LOGIN_STRONG = re.compile(r"log-?in|sign-?in|sign_in|log_in|authenticate")
_LOGIN_WEAK = re.compile(r"token|auth|session")
_DANGEROUS = re.compile(r"reset|purge|wipe|shutdown|truncate|drop|destroy")

_USERNAME_FIELDS = ("username", "email", "login", "user", "user_name", "userName", "name")
_PASSWORD_FIELDS = ("password", "pass", "passwd", "pwd", "secret")
_TOKEN_FIELDS = ("access_token", "accessToken", "token", "jwt", "id_token", "idToken")
_REFRESH_FIELDS = ("refresh_token", "refreshToken")

# (identity name, role): two users make BOLA testable, an admin makes BFLA testable.
STARTER_IDENTITIES = (("alice", "user"), ("bob", "user"), ("carol", "admin"))


@dataclass(frozen=True, slots=True)
class LoginGuess:
    operation: Operation
    username_field: str
    password_field: str
    form: bool
    token_field: str
    refresh_field: str | None
    grant_type: bool  # the body asks for an OAuth-style grant_type (RFC 6749 §4.3.2)


def q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value)


def _text(operation: Operation) -> str:
    return " ".join((operation.path, operation.operation_id or "", operation.summary)).lower()


def find_logout(operations: Iterable[Operation]) -> Operation | None:
    matches = [op for op in operations if _LOGOUT.search(_text(op)) and op.method != "GET"]
    matches = matches or [op for op in operations if _LOGOUT.search(_text(op))]
    return min(matches, key=lambda op: len(op.path), default=None)


def find_refresh(operations: Iterable[Operation]) -> Operation | None:
    matches = [op for op in operations if op.method == "POST" and _REFRESH.search(_text(op))]
    return min(matches, key=lambda op: len(op.path), default=None)


def find_login(operations: Iterable[Operation]) -> Operation | None:
    """The POST that logs in: `login`/`signin` beat `token`/`auth`; never refresh or logout."""
    scored: list[tuple[int, int, Operation]] = []
    for operation in operations:
        text = _text(operation)
        if operation.method != "POST" or _REFRESH.search(text) or _LOGOUT.search(text):
            continue
        if _LOGIN_STRONG.search(text):
            scored.append((0, len(operation.path), operation))
        elif _LOGIN_WEAK.search(text):
            scored.append((1, len(operation.path), operation))
    return min(scored, key=lambda item: item[:2])[2] if scored else None


def _properties(schema: dict[str, Any]) -> dict[str, Any]:
    """Property map of an object schema, `allOf` parts merged."""
    properties: dict[str, Any] = dict(schema.get("properties") or {})
    for part in schema.get("allOf") or []:
        if isinstance(part, dict):
            properties.update(_properties(part))
    return properties


def _pick(candidates: tuple[str, ...], available: Iterable[str], fallback: str) -> str:
    names = list(available)
    lowered = {name.lower(): name for name in names}
    for candidate in candidates:
        if candidate in names:
            return candidate
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return fallback


def _answer_properties(operation: Operation) -> dict[str, Any]:
    for status in sorted(operation.responses):
        if status.startswith("2"):
            return _properties(operation.responses[status] or {})
    return {}


def guess_login(operation: Operation) -> LoginGuess:
    body = operation.request_body
    fields = _properties(body.schema) if body is not None else {}
    answer = _answer_properties(operation)
    refresh = _pick(_REFRESH_FIELDS, answer, "") or None
    return LoginGuess(
        operation=operation,
        username_field=_pick(_USERNAME_FIELDS, fields, "username"),
        password_field=_pick(_PASSWORD_FIELDS, fields, "password"),
        form=body is not None and "x-www-form-urlencoded" in body.content_type,
        token_field=_pick(_TOKEN_FIELDS, answer, "access_token"),
        refresh_field=refresh,
        grant_type="grant_type" in fields,
    )


def guess_scheme(spec: ApiSpec) -> SecurityScheme | None:
    """The scheme most operations use, else the first bearer, API-key or basic scheme declared."""
    counts: dict[str, int] = {}
    for operation in spec.operations:
        for alternative in operation.security or ():
            for name in alternative:
                counts[name] = counts.get(name, 0) + 1
    usable = {
        name: scheme
        for name, scheme in spec.security_schemes.items()
        if scheme.type == "apiKey" or (scheme.type == "http" and scheme.scheme is not None)
    }
    if not usable:
        return None
    return usable[max(usable, key=lambda name: counts.get(name, 0))]


def _auth_lines(name: str, login: LoginGuess | None, scheme: SecurityScheme | None) -> list[str]:
    upper = name.upper()
    if login is not None:
        body = "form" if login.form else "json"
        user = f"{name}@example.com" if "mail" in login.username_field.lower() else name
        fields = {login.username_field: q(user), login.password_field: q(f"${{{upper}_PASSWORD}}")}
        if login.grant_type:
            fields = {"grant_type": q("password"), **fields}
        pairs = ", ".join(f"{q(key)}: {value}" for key, value in fields.items())
        lines = [
            "type: login",
            f"request: {{method: POST, path: {q(login.operation.path)}, {body}: {{{pairs}}}}}",
            f"token: {{from: body, path: {q('$.' + login.token_field)}}}",
        ]
        if login.refresh_field is not None:
            lines.append(f"refresh_token: {{from: body, path: {q('$.' + login.refresh_field)}}}")
        lines.append('apply: {header: Authorization, format: "Bearer {token}"}')
        return lines
    if scheme is not None and scheme.type == "apiKey":
        location = scheme.location if scheme.location in ("header", "query", "cookie") else "header"
        param = scheme.param_name or "X-API-Key"
        return [
            "type: api_key",
            f"in: {location}",
            f"name: {q(param)}",
            f"value: {q(f'${{{upper}_KEY}}')}",
        ]
    if scheme is not None and (scheme.scheme or "").lower() == "basic":
        return ["type: basic", f"username: {q(name)}", f"password: {q(f'${{{upper}_PASSWORD}}')}"]
    return ["type: bearer", f"token: {q(f'${{{upper}_TOKEN}}')}"]


def _endpoint_line(key: str, operation: Operation | None, extra: str = "") -> str:
    if operation is None:
        return f"  # {key}: {{method: POST, path: /auth/{key}{extra}}}   # not found in the spec"
    return f"  {key}: {{method: {operation.method}, path: {q(operation.path)}{extra}}}"


def _resource_example(spec: ApiSpec) -> str:
    for operation in spec.operations:
        for parameter in operation.parameters:
            if parameter.location == "path" and parameter.name.lower().endswith("id"):
                return f"alice: {{{parameter.name}: [1, 2]}}"
    return "alice: {order_id: [1, 2]}"


def starter_config(spec: ApiSpec, target: str) -> str:
    """The commented starter authsift.yaml for `spec`, scanning `target`."""
    operations = spec.operations
    login_operation = find_login(operations)
    login = guess_login(login_operation) if login_operation is not None else None
    scheme = guess_scheme(spec)
    dangerous = [op.key for op in operations if _DANGEROUS.search(_text(op))]
    variables = sorted(_variables(login, scheme))

    lines = [
        f"# authsift configuration for {spec.title} {spec.version} (written by `authsift init`).",
        "# Secrets are references: set the environment variables below (or use file:PATH);",
        "# never write a password or token into this file.",
        f"#   export {' '.join(f'{v}=...' for v in variables)}",
        "# Reference: every key, its default and meaning: README.md#configuration-reference",
        "",
        "# Base URL of the API. Its origin is in scope; nothing else is contacted unless listed.",
        f"target: {q(target)}",
        f"spec: {q(spec.source)}  # file or URL",
        'scope: []  # extra origins the scan may contact, e.g. ["auth.example.com:443"]',
        "",
        "# Who the scan acts as. Two users make object-level authorization (BOLA) testable;",
        "# an admin makes function-level authorization (BFLA) testable.",
        "identities:",
    ]
    for name, role in STARTER_IDENTITIES:
        lines += [f"  - name: {name}", f"    role: {role}", "    auth:"]
        lines += [f"      {line}" for line in _auth_lines(name, login, scheme)]
    lines += [
        "",
        "privileged_roles: [admin]",
        "",
        "# Auth endpoints for the token-lifecycle checks (guessed from the spec; check them).",
        "endpoints:",
    ]
    if login is not None:
        extra = (
            f", username: {q('$.' + login.username_field)}, "
            f"password: {q('$.' + login.password_field)}"
        )
        lines.append(_endpoint_line("login", login.operation, extra))
    else:
        lines.append(_endpoint_line("login", None))
    lines.append(_endpoint_line("refresh", find_refresh(operations)))
    lines.append(_endpoint_line("logout", find_logout(operations)))
    lines.append("  # oidc_discovery: /.well-known/openid-configuration")
    lines += [
        "",
        "# Operations never sent, by any check (`METHOD /path`, * matches anything).",
        "operations:",
        "  include: []                         # empty: every operation of the spec",
        f"  exclude: [{', '.join(q(key) for key in dangerous)}]",
        "",
        "# Objects each identity owns, by path/query parameter name (discovery adds more).",
        "# resources:",
        f"#   {_resource_example(spec)}",
        "",
        "checks:",
        "  include: [all]",
        "  exclude: []",
        "  intrusive: false                    # true allows state-changing probes",
        "  noisy: false                        # true runs brute-force/spraying checks (--noisy)",
        "",
        "# The rate-limiting checks: how far they may push, and a throwaway account they may",
        "# lock out (never one of the identities above). Without one they guess against a",
        "# user name that does not exist, which proves less.",
        "abuse:",
        "  max_attempts: 100                   # per endpoint; 101 would prove the 800-63B bound",
        '  # account: {username: throwaway@example.com, password: "file:abuse.pass"}',
        "  # rate: 1                           # guesses per second (default: limits.rate)",
        "",
        "limits:",
        "  rate: 10                            # requests per second",
        "  concurrency: 4",
        "  max_requests: 5000                  # budget for the whole scan",
        "  timeout: 10                         # seconds per request",
        "  max_time: 900                       # seconds for the whole scan",
        "  max_body: 1048576                   # response bytes kept",
        "  retries: 2",
        "",
        "policy:",
        "  max_access_token_lifetime: 3600     # seconds",
        "  max_refresh_token_lifetime: 2592000 # seconds (30 days)",
        "  # disposable:                        # existing objects intrusive checks may change,",
        "  #   - {team_id: 2, user_id: 5}       # then restore (never a configured identity)",
        "",
        "report:",
        "  formats: [console, json, sarif, html]",
        "  dir: authsift-report",
        "",
        "fail_on: high                         # exit 1 on findings at or above; none never fails",
        "tls:",
        "  verify: true",
        "# proxy: http://127.0.0.1:8080        # watch the traffic in Burp, ZAP or mitmproxy",
    ]
    return "\n".join(lines) + "\n"


def _variables(login: LoginGuess | None, scheme: SecurityScheme | None) -> set[str]:
    found: set[str] = set()
    for name, _ in STARTER_IDENTITIES:
        for line in _auth_lines(name, login, scheme):
            found.update(re.findall(r"\$\{([A-Z0-9_]+)\}", line))
    return found
