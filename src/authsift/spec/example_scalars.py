"""Minimal valid scalars: numbers inside their bounds and on their grid, strings that fit.

Split from `examples` because the numeric corner cases (draft-4 boolean vs 2020-12 numeric
exclusive bounds, floating-point `multipleOf`) deserve their own page.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

MAX_GENERATED_ITEMS = 64
MAX_GENERATED_LENGTH = 10_000
"""Caps on `minItems`/`minProperties` and `minLength`: a spec (perhaps served by the target
itself) asking for a billion items must not make the scanner build them."""

FORMAT_EXAMPLES: dict[str, str] = {
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00Z",
    "duration": "P1D",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "https://example.com/",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": "c3RyaW5n",  # RFC 4648 base64 of "string", as OpenAPI's `byte` format requires
    "binary": "string",
}

_PATTERN_CANDIDATES = ("string", "1", "a", "A", "abc", "ABC", "123", "a1", "0", "x", "Abc123")


def number_value(schema: dict[str, Any], *, integer: bool) -> int | float:
    """The value closest to 1 (a typical first id) inside the bounds, on the `multipleOf` grid.

    3.0 (JSON Schema draft 4) writes `exclusiveMinimum: true` beside `minimum`; 3.1 (2020-12)
    writes `exclusiveMinimum: 5` on its own. Both are read.
    """
    low, low_open = _bound(schema, "minimum", "exclusiveMinimum", max)
    high, high_open = _bound(schema, "maximum", "exclusiveMaximum", min)
    if integer:
        low_int = None if low is None else math.floor(low) + 1 if low_open else math.ceil(low)
        high_int = None if high is None else math.ceil(high) - 1 if high_open else math.floor(high)
        start: int | float = _clamp(1, low_int, high_int)
    else:
        start = 1
        if low is not None and (start < low or (low_open and start <= low)):
            start = low + 1 if low_open else low
        if high is not None and (start > high or (high_open and start >= high)):
            start = high - 1 if high_open else high
            if low is not None and (start < low or (low_open and start <= low)):
                start = (low + high) / 2
    step = schema.get("multipleOf")
    if isinstance(step, int | float) and _is_number(step) and step > 0:
        bounds = _Bounds(low, low_open, high, high_open)
        start = _on_grid(start, step, bounds, integer=integer)
    return int(start) if integer else start


def _bound(
    schema: dict[str, Any], inclusive_key: str, exclusive_key: str, stricter: Any
) -> tuple[float | None, bool]:
    inclusive = schema.get(inclusive_key)
    exclusive = schema.get(exclusive_key)
    inclusive = inclusive if _is_number(inclusive) else None
    if exclusive is True and inclusive is not None:
        return inclusive, True
    if _is_number(exclusive) and (inclusive is None or stricter(inclusive, exclusive) == exclusive):
        return exclusive, True
    return inclusive, False


def _is_number(value: Any) -> bool:
    """A JSON number usable as a bound: not a boolean, not NaN or infinity."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def count_of(schema: dict[str, Any], key: str, cap: int) -> int:
    value = schema.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return 0
    return min(value, cap)


def _clamp(value: int, low: int | None, high: int | None) -> int:
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    return value


@dataclass(frozen=True, slots=True)
class _Bounds:
    low: float | None
    low_open: bool
    high: float | None
    high_open: bool

    def admit(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (self.low_open and value <= self.low)):
            return False
        return not (
            self.high is not None and (value > self.high or (self.high_open and value >= self.high))
        )


def _on_grid(start: float, step: float, bounds: _Bounds, *, integer: bool) -> int | float:
    """The multiple of `step` nearest above (else below) `start` that validators will accept.

    Validators check that `value / multipleOf` is integral in floating point, where 3 × 0.1 / 0.1
    is not 3; so each candidate is checked the same way, and an integer schema needs an integral
    value. If no candidate fits, `start` is returned: the best remaining guess.
    """
    quotient = start / step
    if not math.isfinite(quotient):
        return start  # a step too small (or too large) for floating point to place values on
    upward = range(math.ceil(quotient), math.ceil(quotient) + 16)
    downward = range(math.floor(quotient), math.floor(quotient) - 16, -1)
    for multiple in (*upward, *downward):
        value: int | float = multiple * step
        if not math.isfinite(value):
            continue
        if value == int(value):
            value = int(value)
        elif integer:
            continue
        if bounds.admit(value) and value / step == int(value / step):
            return value
    return start


def string_value(schema: dict[str, Any]) -> str:
    min_length = count_of(schema, "minLength", MAX_GENERATED_LENGTH)
    max_length = schema.get("maxLength") if _is_number(schema.get("maxLength")) else None
    pattern = schema.get("pattern")
    formatted = FORMAT_EXAMPLES.get(str(schema.get("format")))
    candidates = ([formatted] if formatted else []) + list(_PATTERN_CANDIDATES)

    def fits(value: str) -> bool:
        if len(value) < min_length or (max_length is not None and len(value) > max_length):
            return False
        return not isinstance(pattern, str) or _matches(pattern, value)

    for candidate in candidates:
        if fits(candidate):
            return candidate
    base = formatted or "string"
    if max_length is not None and len(base) > max_length:
        base = base[: max(int(max_length), 0)]
    return base + "x" * max(0, min_length - len(base))


def _matches(pattern: str, value: str) -> bool:
    """ECMA-262 `pattern` is unanchored (JSON Schema 2020-12 §6.3.3): search, not match."""
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True  # a pattern Python cannot read is not a reason to refuse the operation
