"""Values written for people: lists, mappings and scalars as a reader expects them in a sentence.

Reports are read by people, and a Python repr (`['1', 'Alice']`, `{'role': 'admin'}`,
`b'secret'`, `None`) in a finding reads as a bug in the tool. Every value a check or the judge
puts into a description, an evidence label, a note or a reason goes through these helpers:
`"1", "Alice Liddell" and 2 more`, `role=admin, scope=read write`, `"secret123"`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

DEFAULT_LIMIT = 4


def human_value(value: Any, *, quote: bool = True) -> str:
    """One value as text: strings (and decodable bytes) quoted, numbers and flags bare,
    nothing as "null", containers spelt out by `human_list` / `human_mapping`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, str):
        return f'"{value}"' if quote else value
    if isinstance(value, Mapping):
        return human_mapping(value)
    if isinstance(value, list | tuple | set | frozenset):
        return human_list(value, quote=quote)
    return str(value)


def human_list(
    values: Iterable[Any],
    *,
    limit: int = DEFAULT_LIMIT,
    quote: bool = True,
    conjunction: str = "and",
    empty: str = "none",
) -> str:
    """`"a", "b" and "c"`; past `limit` items, `"a", "b" and 3 more`. Sets are sorted first so
    that the same scan reads the same way twice."""
    items = list(values)
    if isinstance(values, set | frozenset):
        items = sorted(items, key=str)
    words = [human_value(item, quote=quote) for item in items]
    if not words:
        return empty
    if len(words) > limit:
        shown, rest = words[: max(1, limit - 1)], len(words) - max(1, limit - 1)
        return f"{', '.join(shown)} {conjunction} {rest} more"
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def human_mapping(mapping: Mapping[Any, Any], *, limit: int = 6) -> str:
    """`role=admin, scope=read write`: keys bare, values unquoted, nested values spelt out."""
    pairs = [f"{key}={human_value(value, quote=False)}" for key, value in mapping.items()]
    if not pairs:
        return "nothing"
    if len(pairs) > limit:
        return ", ".join(pairs[:limit]) + f" and {len(pairs) - limit} more"
    return ", ".join(pairs)


def sentence(*clauses: str) -> str:
    """Clauses joined with "; " as one sentence: first letter raised (and nothing else lowered,
    unlike `str.capitalize`, which would turn "ID token" into "id token"), one final period."""
    text = "; ".join(clause.strip().rstrip(".") for clause in clauses if clause.strip())
    return (text[:1].upper() + text[1:] + ".") if text else ""
