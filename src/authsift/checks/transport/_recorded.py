"""What the transport reviews share: the scan's recorded exchanges, each tied to its operation.

A review (`phase = "review"`) runs after every probe of the scan and judges what the scan
received. It is planned on a few representative operations like any API-wide check; the first of
its tasks does the review, the others are covered by it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from authsift.checks.base import Check, Context, CoveredElsewhere, SecretRef
from authsift.model import Exchange, Operation


def review_once(ctx: Context, check: Check) -> None:
    """Claim the scan's one review for `check`; later tasks of it are covered elsewhere."""
    key = f"review:{check.id}"
    if ctx.shared.get(key):
        raise CoveredElsewhere(f"every recorded exchange was reviewed by {check.id} once")
    ctx.shared[key] = True


def credentials_in(ctx: Context, text: str) -> tuple[SecretRef, ...]:
    """The scan's own whole credentials in `text`: not a derived form (`$ALICE_TOKEN.signature`),
    not a variant another check made of a key (a truncation equals a key's public prefix), and
    long enough to be one by itself (16 characters; 6 for a password)."""
    return tuple(
        s
        for s in ctx.secrets_in(text)
        if "." not in s.placeholder
        and not s.placeholder.upper().endswith("_VARIANT")
        and s.length >= (6 if "PASSWORD" in s.placeholder.upper() else _MIN_CREDENTIAL)
    )


_MIN_CREDENTIAL = 16


def answered(ctx: Context) -> list[Exchange]:
    """Every recorded exchange that got an answer, in order."""
    return [e for e in ctx.recorded_exchanges() if e.response is not None]


class OperationIndex:
    """Which spec operation a recorded request was made on (path templates matched segment by
    segment; a literal segment wins over a parameter). None for paths outside the spec."""

    def __init__(self, operations: Sequence[Operation], target: str) -> None:
        self._base = urlsplit(target).path.rstrip("/")
        self._by_method: dict[str, list[tuple[re.Pattern[str], int, Operation]]] = {}
        for op in operations:
            pattern = _template(op.path)
            literals = sum(1 for s in op.path.split("/") if s and not s.startswith("{"))
            self._by_method.setdefault(op.method.upper(), []).append((pattern, literals, op))
        for candidates in self._by_method.values():
            candidates.sort(key=lambda item: -item[1])

    def of(self, exchange: Exchange) -> Operation | None:
        path = urlsplit(exchange.request.url).path
        if self._base and path.startswith(self._base):
            path = path[len(self._base) :] or "/"
        for pattern, _, op in self._by_method.get(exchange.request.method.upper(), []):
            if pattern.fullmatch(path) or pattern.fullmatch(path.rstrip("/") or "/"):
                return op
        return None


@lru_cache(maxsize=1024)
def _template(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", path)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def where(exchange: Exchange) -> str:
    """`GET /path` of the request, without query string (for titles and details)."""
    return f"{exchange.request.method} {urlsplit(exchange.request.url).path}"


def json_body(exchange: Exchange) -> Any:
    """The response body as JSON, or None when it is not JSON."""
    response = exchange.response
    if response is None or not response.body or response.body[:1] not in b"{[":
        return None
    try:
        return json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        return None


def leaves(document: Any, path: str = "$", depth: int = 0) -> Iterator[tuple[str, str, str]]:
    """(JSON path, member name, value) of every string leaf, at most 12 levels deep; array items
    take the name of the member that holds the array."""
    if depth > 12:
        return
    if isinstance(document, dict):
        for key, item in document.items():
            child = f"{path}.{key}" if re.fullmatch(r"[A-Za-z_][\w-]*", str(key)) else path
            if child == path:
                child = f"{path}[{json.dumps(str(key))}]"
            if isinstance(item, str):
                yield child, str(key), item
            else:
                yield from _named(item, child, str(key), depth + 1)
    elif isinstance(document, list):
        for index, item in enumerate(document):
            yield from leaves(item, f"{path}[{index}]", depth + 1)


def _named(item: Any, path: str, name: str, depth: int) -> Iterator[tuple[str, str, str]]:
    if isinstance(item, list):
        for index, element in enumerate(item):
            if isinstance(element, str):
                yield f"{path}[{index}]", name, element
            else:
                yield from leaves(element, f"{path}[{index}]", depth + 1)
    else:
        yield from leaves(item, path, depth)
