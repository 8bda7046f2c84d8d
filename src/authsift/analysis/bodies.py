"""Turn a response body into something comparable: JSON leaves or text tokens.

The judge never compares raw bytes: two answers that mean the same thing differ in key order,
whitespace and list order, and two answers that look alike byte-wise may mean different things
(`1` versus `"1"`). JSON is therefore flattened into (key path, value) pairs, and everything else
into a token sequence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from authsift.model import Exchange, HttpResponse

# Bodies bigger than this are not parsed as JSON: the judge compares at most this much, and a
# capped (truncated) body would not parse anyway. Text is compared on its first TEXT_LIMIT bytes.
JSON_PARSE_LIMIT = 2 * 1024 * 1024
TEXT_LIMIT = 64 * 1024

# A leaf value standing for an empty object or array, so that `{"data": []}` and `{"data": {}}`
# are different, and an empty list still shows up as a pair (it is information: "no items").
EMPTY_OBJECT = "{}"
EMPTY_ARRAY = "[]"

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
_PATH_SEGMENT = re.compile(r'\.([A-Za-z_][A-Za-z0-9_\-]*)|\["((?:[^"\\]|\\.)*)"\]')
_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_JSON_CONTENT_TYPE = re.compile(r"^application/(?:[\w.\-]+\+)?json\b|/json\b|\+json\b", re.I)


class _EmptyContainer(str):
    """A JSON leaf that is an empty object or array (kept distinct from the string "{}")."""

    __slots__ = ()


Scalar = str | int | float | bool | None | _EmptyContainer
Leaf = tuple[str, Scalar]  # (key path, scalar value or empty container)


@dataclass(frozen=True, slots=True)
class JsonBody:
    """A body that parsed as JSON; `value` may legitimately be `None` (the JSON `null`).

    Parsed bodies are cached and shared between callers: treat `value` as read-only.
    """

    value: Any


def looks_like_json_content_type(content_type: str | None) -> bool:
    """`application/json`, `application/problem+json` (RFC 9457), `text/json`, `…+json`."""
    return bool(content_type) and bool(_JSON_CONTENT_TYPE.search(content_type or ""))


def json_body(response: HttpResponse) -> JsonBody | None:
    """The body as JSON when the content type says so, or when the content plainly is JSON.

    Many APIs send JSON as `text/plain` or `text/html`, so a body that starts with `{` or `[`
    and parses is JSON whatever its label. A body labelled JSON that does not parse (cut at the
    engine's size cap, or an HTML error page from a proxy) is treated as text.
    """
    return parse_json_bytes(response.body, response.header("Content-Type") or "")


@lru_cache(maxsize=64)
def parse_json_bytes(body: bytes, content_type: str) -> JsonBody | None:
    """`json_body()` on raw bytes and a Content-Type (cached: baselines are re-parsed often)."""
    if len(body) > JSON_PARSE_LIMIT:
        return None
    stripped = body.lstrip()
    if not stripped:
        return None
    if not looks_like_json_content_type(content_type) and stripped[:1] not in (b"{", b"["):
        return None
    try:
        return JsonBody(json.loads(body.decode("utf-8-sig")))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def loads_or_none(raw: bytes | None) -> Any:
    """Any JSON value in `raw`, or None — whatever the Content-Type says.

    For bodies whose shape the scanner already knows: requests it built from the spec and
    answers to objects it created itself. Answers from the target are judged with `json_body`.
    """
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def exchange_json(exchange: Exchange | None) -> Any:
    """`loads_or_none` of an exchange's answer; None when there was no answer."""
    if exchange is None or exchange.response is None:
        return None
    return loads_or_none(exchange.response.body)


def json_leaves(value: Any) -> Iterator[Leaf]:
    """Every scalar leaf of a JSON value with its key path, list indices normalized to `[*]`.

    Normalizing indices makes the comparison insensitive to list order (a list endpoint that
    returns the same items shuffled is the same answer). Empty objects and arrays are leaves too.
    Walks iteratively so that deeply nested bodies cannot exhaust the recursion limit.
    """
    stack: list[tuple[str, Any]] = [("$", value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            if not node:
                yield path, _EmptyContainer(EMPTY_OBJECT)
            for key, child in node.items():
                stack.append((_child_path(path, str(key)), child))
        elif isinstance(node, list):
            if not node:
                yield path, _EmptyContainer(EMPTY_ARRAY)
            for child in node:
                stack.append((f"{path}[*]", child))
        else:
            yield path, node


def _child_path(parent: str, key: str) -> str:
    if _IDENTIFIER.match(key):
        return f"{parent}.{key}"
    return f"{parent}[{json.dumps(key)}]"


def is_empty_container(leaf: Scalar) -> bool:
    """True for the leaf standing in for `{}` or `[]` (not for the *string* "{}")."""
    return isinstance(leaf, _EmptyContainer)


def encode_scalar(value: Scalar) -> str:
    """A type-preserving text form of a leaf: `1`, `"1"`, `true` and `null` all differ."""
    if isinstance(value, _EmptyContainer):
        return str(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def json_pairs(value: Any) -> set[tuple[str, str]]:
    """The set of (key path, encoded value) pairs of a JSON value, e.g. `("$.items[*].id", "7")`."""
    return {(path, encode_scalar(leaf)) for path, leaf in json_leaves(value)}


@lru_cache(maxsize=4096)
def path_keys(path: str) -> tuple[str, ...]:
    """The object keys along a key path, outermost first (`$.a[*]["b c"]` → `("a", "b c")`).

    Cached: index normalization makes the same few paths recur thousands of times in a list.
    """
    keys: list[str] = []
    for plain, quoted in _PATH_SEGMENT.findall(path):
        if plain:
            keys.append(plain)
        else:
            try:
                keys.append(str(json.loads(f'"{quoted}"')))
            except ValueError:
                keys.append(quoted)
    return tuple(keys)


def last_key(path: str) -> str:
    """The innermost object key of a key path (`$.data[*].request_id` → `request_id`)."""
    keys = path_keys(path)
    return keys[-1] if keys else ""


def body_text(response: HttpResponse, limit: int = TEXT_LIMIT) -> str:
    """The first `limit` bytes of the body as text (invalid UTF-8 replaced, never raised)."""
    return response.body[:limit].decode("utf-8", errors="replace")


def text_tokens(text: str) -> list[str]:
    """Words and single punctuation marks, in order; whitespace is not a token.

    Whitespace and re-indentation therefore never make two pages differ, while a changed word
    or number does.
    """
    return _TOKEN.findall(text)
