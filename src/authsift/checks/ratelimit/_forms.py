"""Request bodies of the rate-limiting checks: a built request's values, changed and re-encoded
in the operation's own encoding (JSON or a form)."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from authsift.model import HttpRequest, Operation


def values_of(request: HttpRequest) -> dict[str, Any]:
    text = (request.body or b"").decode("utf-8", errors="replace")
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        value = dict(urllib.parse.parse_qsl(text))
    return dict(value) if isinstance(value, dict) else {}


def form_text(value: Any) -> str:
    """A value as a form field: strings as they are, anything else as JSON text."""
    return value if isinstance(value, str) else json.dumps(value)


def encode(request: HttpRequest, op: Operation, changes: Mapping[str, Any]) -> HttpRequest:
    """`request` (built for `op`) with `changes` applied to its body values."""
    values = {**values_of(request), **changes}
    form = op.request_body is not None and "x-www-form-urlencoded" in op.request_body.content_type
    if form:
        body = urllib.parse.urlencode({k: form_text(v) for k, v in values.items()}).encode()
    else:
        body = json.dumps(values).encode()
    headers = tuple(h for h in request.headers if h[0].lower() != "content-type")
    content = "application/x-www-form-urlencoded" if form else "application/json"
    return replace(request, headers=(*headers, ("Content-Type", content)), body=body)
