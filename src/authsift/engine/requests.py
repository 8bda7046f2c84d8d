"""Turn an `Operation` into a concrete, valid request, and a request into a curl command.

Parameter values come, in order, from the identity's own objects (config seeds and discovery),
the spec's examples and defaults, then a minimal valid value. A request built here carries no
credential: the session applies the identity's.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

from authsift.model import Exchange, HttpRequest, Operation, ParamLocation

_CURL_SKIP_HEADERS = frozenset({"content-length", "host", "user-agent", "accept-encoding"})
_PLACEHOLDER = re.compile(r"\$[A-Z][A-Z0-9_]*")


def build_request(
    base_url: str,
    operation: Operation,
    values: Mapping[str, Sequence[object]] | None = None,
    *,
    overrides: Mapping[str, object] | None = None,
) -> HttpRequest:
    """A request for `operation`; `values` are an identity's objects keyed by parameter name."""
    values = values or {}
    overrides = overrides or {}

    def pick(name: str, example: Any, schema: Mapping[str, Any]) -> str:
        if name in overrides:
            return _text(overrides[name])
        owned = values.get(name)
        if owned:
            return _text(owned[0])
        if example is not None:
            return _text(example)
        return _minimal(schema)

    path = operation.path
    query: list[tuple[str, str]] = []
    headers: list[tuple[str, str]] = [("Accept", "application/json")]
    cookies: list[str] = []
    for param in operation.parameters:
        if param.location is ParamLocation.PATH:
            value = pick(param.name, param.example, param.schema)
            path = path.replace("{" + param.name + "}", urllib.parse.quote(value, safe=""))
        elif param.location is ParamLocation.QUERY and (param.required or param.name in overrides):
            query.append((param.name, pick(param.name, param.example, param.schema)))
        elif param.location is ParamLocation.HEADER and param.required:
            headers.append((param.name, pick(param.name, param.example, param.schema)))
        elif param.location is ParamLocation.COOKIE and param.required:
            cookies.append(f"{param.name}={pick(param.name, param.example, param.schema)}")
    if cookies:
        headers.append(("Cookie", "; ".join(cookies)))
    body: bytes | None = None
    if operation.request_body is not None and operation.method not in {"GET", "HEAD", "OPTIONS"}:
        content_type = operation.request_body.content_type
        example = operation.request_body.example
        if "json" in content_type:
            body = json.dumps(example if example is not None else {}).encode()
        elif "x-www-form-urlencoded" in content_type and isinstance(example, dict):
            body = urllib.parse.urlencode({k: _text(v) for k, v in example.items()}).encode()
        else:
            body = _text(example).encode() if example is not None else b""
        headers.append(("Content-Type", content_type))
    url = base_url.rstrip("/") + path
    if query:
        url += "?" + urllib.parse.urlencode(query)
    return HttpRequest(operation.method, url, tuple(headers), body)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _minimal(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if kind in ("integer", "number"):
        return str(schema.get("minimum", 1))
    if schema.get("format") == "uuid":
        return "00000000-0000-4000-8000-000000000000"
    return "1"


def curl_command(exchange: Exchange) -> str:
    """A shell command that replays the (already redacted) request.

    Values are double-quoted so that `$ALICE_TOKEN`-style placeholders expand from the reader's
    environment, while every other shell metacharacter is escaped.
    """
    request = exchange.request
    parts = ["curl", "-i", "-X", request.method, _quote(request.url)]
    for name, value in request.headers:
        if name.lower() not in _CURL_SKIP_HEADERS:
            parts += ["-H", _quote(f"{name}: {value}")]
    if request.body:
        parts += ["--data-binary", _quote(request.body.decode("utf-8", errors="replace"))]
    return " ".join(parts)


def _quote(value: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(value):
        match = _PLACEHOLDER.match(value, index)
        if match:
            out.append("${" + match.group(0)[1:] + "}")
            index = match.end()
            continue
        char = value[index]
        out.append("\\" + char if char in '"\\`$' else char)
        index += 1
    return '"' + "".join(out) + '"'
