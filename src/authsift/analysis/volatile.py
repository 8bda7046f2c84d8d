"""Which parts of an answer change on every call, so that they never count as a difference.

Two identical valid requests rarely get byte-identical answers: timestamps, request ids, nonces,
CSRF tokens and ETags change every time. If they counted, a scanner would either call every answer
"different" (missing real flaws) or lower its threshold until unrelated answers look alike (false
positives). Volatility is handled two ways:

* *learned*: `learn_volatile()` diffs the two copies of the valid baseline and returns the key
  paths (and header names, prefixed `header:`) whose values differed;
* *by shape*: `is_volatile_leaf()` masks values that are volatile by nature even when they happened
  not to change between the two copies (a timestamp with one-second resolution often does not).

A masked value keeps its key path, so the *presence* of a field still counts in the comparison.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache
from typing import Any

from authsift.analysis.bodies import (
    Scalar,
    encode_scalar,
    json_body,
    json_leaves,
    last_key,
)
from authsift.model import Headers, HttpResponse

MASK = "<volatile>"
HEADER_PREFIX = "header:"

# Headers that differ between identical requests by design (dates, caches, tracing, rate-limit
# counters, lengths of bodies that contain timestamps). Set-Cookie keeps its cookie names.
VOLATILE_HEADERS = frozenset(
    {
        "age",
        "cf-ray",
        "content-length",
        "date",
        "etag",
        "expires",
        "keep-alive",
        "last-modified",
        "nel",
        "ratelimit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "report-to",
        "request-id",
        "retry-after",
        "server-timing",
        "set-cookie",
        "traceparent",
        "tracestate",
        "via",
        "x-amz-cf-id",
        "x-amz-id-2",
        "x-amz-request-id",
        "x-amzn-requestid",
        "x-amzn-trace-id",
        "x-b3-spanid",
        "x-b3-traceid",
        "x-cache",
        "x-cache-hits",
        "x-cloud-trace-context",
        "x-correlation-id",
        "x-csrf-token",
        "x-datadog-trace-id",
        "x-envoy-upstream-service-time",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-request-id",
        "x-response-time",
        "x-runtime",
        "x-served-by",
        "x-timer",
        "x-trace-id",
        "x-xsrf-token",
    }
)

# Key names (lower-cased, separators removed) that carry per-request values and never identity.
_NONCE_KEYS = frozenset(
    {
        "correlationid",
        "csrf",
        "csrfmiddlewaretoken",
        "csrftoken",
        "etag",
        "jti",
        "nonce",
        "reqid",
        "requestid",
        "spanid",
        "traceid",
        "traceparent",
        "xrequestid",
        "xsrf",
        "xsrftoken",
    }
)
_NONCE_SUFFIXES = ("requestid", "traceid", "correlationid", "nonce", "csrftoken", "spanid")

# Key names that hold "now" or a duration of this call.
_TIME_KEYS = frozenset(
    {
        "datetime",
        "duration",
        "elapsed",
        "now",
        "responsetime",
        "servertime",
        "time",
        "timestamp",
        "took",
        "ts",
        "uptime",
    }
)
_TIME_SUFFIXES = ("timestamp", "servertime", "generatedat", "elapsedms", "tookms")

_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)
_HTTP_DATE = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")
_ISO_DATETIME_IN_TEXT = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_HTTP_DATE_IN_TEXT = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")
_SEPARATORS = re.compile(r"[^a-z0-9]")

# "Near now" for bare epoch numbers outside time-named keys: one day either side.
_NEAR_NOW_SECONDS = 86_400


@lru_cache(maxsize=4096)
def normalized_key(key: str) -> str:
    """`X-Request-Id`, `request_id` and `requestId` all become `xrequestid`/`requestid`."""
    return _SEPARATORS.sub("", key.lower())


def is_nonce_key(key: str) -> bool:
    """A key whose value is per-request by design (request/trace ids, nonces, CSRF, ETag, jti)."""
    norm = normalized_key(key)
    return norm in _NONCE_KEYS or norm.endswith(_NONCE_SUFFIXES)


def is_time_key(key: str) -> bool:
    """A key holding the time of this call or its duration (`timestamp`, `server_time`, `took`)."""
    norm = normalized_key(key)
    return norm in _TIME_KEYS or norm.endswith(_TIME_SUFFIXES)


def is_volatile_leaf(path: str, value: Scalar) -> bool:
    """True when a leaf is volatile by its shape or its key name alone.

    Masked whatever the key: full ISO 8601 date-times and HTTP-dates (a bare date such as a
    birthday is *not* masked: it is data), and epoch numbers within a day of now. Masked by key
    name: anything under a nonce-like key (request/trace ids, nonces, CSRF tokens, ETags, `jti`)
    or a time-like key (`timestamp`, `took`). Identifiers under other keys (`id`, `user_id`) are
    never masked: they are what tells one user's answer from another's.
    """
    if isinstance(value, bool) or value is None:
        return False
    key = last_key(path)
    if key and (is_nonce_key(key) or is_time_key(key)):
        return True
    if isinstance(value, str):
        return bool(_ISO_DATETIME.match(value) or _HTTP_DATE.match(value))
    return _is_epoch_near_now(value)


def _is_epoch_near_now(value: float) -> bool:
    if not -1e16 < value < 1e16:  # far from any epoch; also avoids float overflow on huge ints
        return False
    now = time.time()
    return abs(value - now) <= _NEAR_NOW_SECONDS or abs(value / 1000 - now) <= _NEAR_NOW_SECONDS


def masked_pairs(value: Any, volatile: frozenset[str] = frozenset()) -> set[tuple[str, str]]:
    """(key path, value) pairs of a JSON value with learned and shape-volatile values masked."""
    pairs: set[tuple[str, str]] = set()
    for path, leaf in json_leaves(value):
        if path in volatile or is_volatile_leaf(path, leaf):
            pairs.add((path, MASK))
        else:
            pairs.add((path, encode_scalar(leaf)))
    return pairs


def mask_text(text: str) -> str:
    """Replace date-times inside free text (HTML pages, plain-text answers) with the mask."""
    return _HTTP_DATE_IN_TEXT.sub(MASK, _ISO_DATETIME_IN_TEXT.sub(MASK, text))


def learn_volatile(a: HttpResponse, b: HttpResponse) -> frozenset[str]:
    """Key paths and `header:<name>` entries whose values differ between two identical requests.

    A path present in only one of the two answers counts as volatile as well (an optional field
    that comes and goes). Bodies that are not both JSON teach nothing about paths; text answers
    rely on shape masking.
    """
    learned: set[str] = set()
    body_a, body_b = json_body(a), json_body(b)
    if body_a is not None and body_b is not None:
        values_a = _values_by_path(body_a.value)
        values_b = _values_by_path(body_b.value)
        for path in values_a.keys() | values_b.keys():
            if values_a.get(path) != values_b.get(path):
                learned.add(path)
    headers_a, headers_b = _header_values(a.headers), _header_values(b.headers)
    for name in headers_a.keys() | headers_b.keys():
        if headers_a.get(name) != headers_b.get(name):
            learned.add(HEADER_PREFIX + name)
    return frozenset(learned)


def _values_by_path(value: Any) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = {}
    for path, leaf in json_leaves(value):
        grouped.setdefault(path, set()).add(encode_scalar(leaf))
    return grouped


def _header_values(headers: Headers) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name.lower(), []).append(value)
    return {name: tuple(values) for name, values in grouped.items()}


def masked_headers(response: HttpResponse, volatile: frozenset[str] = frozenset()) -> Headers:
    """The response headers, lower-cased and sorted, with volatile values masked.

    For checks that compare headers (user enumeration by response, CHECKS.md §2): Set-Cookie keeps
    the cookie *name*, because a cookie that is set for one answer and not for the other is a
    real difference, while its value is random.
    """
    masked: list[tuple[str, str]] = []
    for name, value in response.headers:
        lowered = name.lower()
        if lowered == "set-cookie":
            cookie_name = value.split("=", 1)[0].strip()
            masked.append((lowered, f"{cookie_name}={MASK}"))
        elif lowered in VOLATILE_HEADERS or HEADER_PREFIX + lowered in volatile:
            masked.append((lowered, MASK))
        else:
            masked.append((lowered, value))
    return tuple(sorted(masked))
