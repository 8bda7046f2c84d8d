"""Whose object is in an answer: the owner's object markers, and an id that exists for nobody.

Pure functions. BOLA is "B's answer carries A's object", so the proof is a set of values from A's
own answer (its e-mail, its note, its canary) that B's answer repeats, after removing every value
that could appear there for another reason: values of B's own object of the same type, of the
not-found answer, of the anonymous answer, and the ids B itself put in the request.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable

from authsift.analysis import is_strong_marker, json_body, markers_present
from authsift.analysis.bodies import json_leaves, last_key
from authsift.analysis.markers import is_id_key
from authsift.analysis.volatile import is_volatile_leaf
from authsift.model import HttpResponse

_MIN_TEXT = 3
_COMMON_WORDS = frozenset(
    {
        "active",
        "admin",
        "closed",
        "delivered",
        "draft",
        "false",
        "none",
        "null",
        "open",
        "paid",
        "pending",
        "placed",
        "private",
        "public",
        "shipped",
        "true",
        "user",
    }
)


def object_markers(
    owner_answer: HttpResponse,
    volatile: frozenset[str],
    *,
    excluding: Iterable[HttpResponse | None] = (),
    requested: Iterable[str] = (),
) -> frozenset[str]:
    """Values of the owner's answer that identify this object and nothing the intruder has.

    Kept: non-volatile strings of 3+ characters that are not status words, and integers under
    id-like keys. Dropped: any value found in the `excluding` answers (the intruder's own object,
    the not-found answer, the anonymous answer) and the `requested` ids (an echo of the URL is
    not the object).
    """
    parsed = json_body(owner_answer)
    if parsed is None:
        return frozenset()
    candidates: set[str] = set()
    for path, leaf in json_leaves(parsed.value):
        if path in volatile or is_volatile_leaf(path, leaf) or isinstance(leaf, bool):
            continue
        if isinstance(leaf, int) and is_id_key(last_key(path)) and leaf >= 0:
            candidates.add(str(leaf))
        elif isinstance(leaf, str):
            text = leaf.strip()
            if len(text) >= _MIN_TEXT and text.lower() not in _COMMON_WORDS:
                candidates.add(text)
    candidates -= {value.strip() for value in requested}
    for other in excluding:
        if other is not None and candidates:
            candidates -= markers_present(other, candidates)
    return frozenset(candidates)


def proves_owner_object(found: frozenset[str]) -> bool:
    """One strong marker (e-mail, UUID, 8+ characters) or two weaker ones are proof enough."""
    return any(is_strong_marker(m) for m in found) or len(found) >= 2


def carries_personal_data(found: Iterable[str]) -> bool:
    """An e-mail address among the carried values: personal data (CHECKS.md #21, critical)."""
    return any("@" in value and "." in value.rsplit("@", 1)[-1] for value in found)


def nonexistent_like(value: str) -> str:
    """An id of the same shape as `value` that no real object has (control (iii))."""
    if value.isdigit():
        return str(10 ** max(len(value) + 4, 9) - 7)
    try:
        uuid.UUID(value)
    except ValueError:
        return f"authsift-missing-{secrets.token_hex(4)}"
    return str(uuid.uuid4())
