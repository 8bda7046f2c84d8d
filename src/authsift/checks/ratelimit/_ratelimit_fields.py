"""Reading rate-limit signalling: the IETF `RateLimit` / `RateLimit-Policy` fields, the legacy
`RateLimit-*` and `X-RateLimit-*` headers, and `Retry-After`. Pure functions, no HTTP.

`RateLimit-Policy` and `RateLimit` are RFC 9651 Structured Fields (draft-ietf-httpapi-ratelimit-
headers-10 §4, §5): a List of Items, each a String (the policy name) with parameters. A policy
needs `q` (quota, a non-negative Integer) and may carry `w` (window, seconds, a positive
Integer), `qu` (quota unit, a String) and `pk` (partition key, a Byte Sequence); a limit needs
`r` (remaining, a non-negative Integer) and may carry `t` (reset, seconds, a non-negative
Integer) and `pk`. Parsing uses `http_sf`, the reference implementation of RFC 9651.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass, field
from typing import Any

import http_sf

from authsift.model import HttpResponse

LEGACY_PREFIXES = ("ratelimit-", "x-ratelimit-")
_LEGACY_PARTS = ("limit", "remaining", "reset", "used")
_REMAINING_IN_TEXT = re.compile(r"remaining\s*[=:]\s*(\d+)", re.I)


@dataclass(slots=True)
class Reading:
    """What one response says about its limit, and what is wrong with how it says it."""

    remaining: int | None = None  # RateLimit r=, else a legacy Remaining header
    reset: int | None = None  # RateLimit t=, seconds
    problems: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # the headers read, name → value

    @property
    def signalled(self) -> bool:
        return bool(self.fields)


def read(response: HttpResponse) -> Reading:
    reading = Reading()
    policy = response.header("RateLimit-Policy")
    limit = response.header("RateLimit")
    if policy is not None:
        reading.fields["RateLimit-Policy"] = policy
        _check_items(policy, "RateLimit-Policy", "q", reading, _POLICY_PARAMS)
    if limit is not None:
        reading.fields["RateLimit"] = limit
        items = _check_items(limit, "RateLimit", "r", reading, _LIMIT_PARAMS)
        for _, params in items:
            if _fits(params.get("r"), "integer") and reading.remaining is None:
                reading.remaining = params["r"]
            if _fits(params.get("t"), "integer") and reading.reset is None:
                reading.reset = params["t"]
        if reading.remaining is None:  # malformed: still follow the count it meant to give
            found = _REMAINING_IN_TEXT.search(limit)
            reading.remaining = int(found.group(1)) if found else None
    _read_legacy(response, reading)
    return reading


_POLICY_PARAMS = {"q": "integer", "w": "positive", "qu": "string", "pk": "bytes"}
_LIMIT_PARAMS = {"r": "integer", "t": "integer", "pk": "bytes"}


def _check_items(
    value: str, name: str, required: str, reading: Reading, known: dict[str, str]
) -> list[tuple[Any, dict[str, Any]]]:
    try:
        parsed: list[Any] = list(http_sf.parse(value.encode(), tltype="list"))  # type: ignore[arg-type]
    except (http_sf.StructuredFieldError, ValueError) as exc:
        reading.problems.append(f"{name} is not a Structured Field list ({exc}): {value!r}")
        return []
    items: list[tuple[Any, dict[str, Any]]] = []
    for member in parsed:
        bare, params = member
        if isinstance(bare, list):
            reading.problems.append(f"{name} has an inner list where a policy name belongs")
            continue
        if not isinstance(bare, str) or isinstance(bare, http_sf.Token):
            reading.problems.append(f"{name} item {bare!r} is not a String policy name")
        params = dict(params) if isinstance(params, dict) else {}
        if required not in params:
            reading.problems.append(f"{name} item {bare!r} lacks the required `{required}`")
        for key, kind in known.items():
            if key in params and not _fits(params[key], kind):
                reading.problems.append(f"{name} `{key}={params[key]!r}` is not {_KIND[kind]}")
        items.append((bare, params))
    return items


_KIND = {
    "integer": "a non-negative integer",
    "positive": "a positive integer",
    "string": "a String",
    "bytes": "a Byte Sequence",
}


def _fits(value: Any, kind: str) -> bool:
    if kind in ("integer", "positive"):
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        return value > 0 if kind == "positive" else value >= 0
    if kind == "string":
        return isinstance(value, str) and not isinstance(value, http_sf.Token)
    return isinstance(value, bytes)


def _read_legacy(response: HttpResponse, reading: Reading) -> None:
    for prefix in LEGACY_PREFIXES:
        values: dict[str, str] = {}
        for part in _LEGACY_PARTS:
            header = response.header(prefix + part)
            if header is not None:
                values[part] = header.strip()
                reading.fields[_title(prefix + part)] = header
        numbers: dict[str, int] = {}
        for part, text in values.items():
            if re.fullmatch(r"\d+", text):
                numbers[part] = int(text)
            else:
                reading.problems.append(
                    f"{_title(prefix + part)} {text!r} is not a non-negative integer"
                )
        if (
            "limit" in numbers
            and "remaining" in numbers
            and numbers["remaining"] > numbers["limit"]
        ):
            reading.problems.append(
                f"{_title(prefix + 'remaining')} {numbers['remaining']} exceeds "
                f"{_title(prefix + 'limit')} {numbers['limit']}"
            )
        if reading.remaining is None and "remaining" in numbers:
            reading.remaining = numbers["remaining"]


def _title(name: str) -> str:
    return "-".join("RateLimit" if p == "ratelimit" else p.title() for p in name.split("-"))


def retry_after_problem(response: HttpResponse) -> str | None:
    """Why a 429/503's Retry-After is missing or unusable (RFC 9110 §10.2.3: delay-seconds or
    an HTTP-date); None when it is fine."""
    value = response.header("Retry-After")
    if value is None:
        return f"a {response.status} without Retry-After"
    text = value.strip()
    if re.fullmatch(r"\d+", text):
        return None
    try:
        email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return f"Retry-After {value!r} is neither delay-seconds nor an HTTP-date"
    return None
