"""Bytes → a plain JSON-like tree, from JSON or YAML, decided by the content and not the name.

Specs are served as `/v3/api-docs` with no extension and saved as `.txt`, so the extension
cannot be trusted. JSON is tried first when the text looks like a JSON value (it is much faster
and its errors are clearer for JSON input); everything else goes to YAML.

YAML 1.1 (what PyYAML implements) turns `200:` into an int key and `2024-01-01` into a date;
neither can be sent in a JSON request body or compared with a status string, so the tree is
normalised to string keys and ISO-8601 strings here, once, for everything downstream.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import yaml

from authsift.spec.errors import SpecError

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def decode_document(data: bytes, *, source: str) -> Any:
    """Parse a JSON or YAML document; syntax errors become a SpecError with line and column."""
    try:
        # RFC 8259 §8.1: JSON text exchanged between systems "MUST be encoded using UTF-8";
        # a leading BOM is tolerated because Windows editors write one.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(source, "", f"not UTF-8 text (byte {exc.start})") from exc
    json_error: json.JSONDecodeError | None = None
    if text.lstrip().startswith(("{", "[")):
        try:
            return normalise(json.loads(text))
        except json.JSONDecodeError as exc:
            json_error = exc  # may still be YAML flow style; YAML gets its chance below
    try:
        loaded = yaml.load(text, Loader=_SafeLoader)  # a SafeLoader subclass: no object tags
    except yaml.MarkedYAMLError as exc:
        if json_error is not None:
            raise _json_syntax_error(json_error, source) from exc
        raise _yaml_syntax_error(exc, source) from exc
    except yaml.YAMLError as exc:
        raise SpecError(source, "", f"unreadable YAML: {exc}") from exc
    return normalise(loaded)


def _json_syntax_error(exc: json.JSONDecodeError, source: str) -> SpecError:
    return SpecError(
        source, "", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    )


def _yaml_syntax_error(exc: yaml.MarkedYAMLError, source: str) -> SpecError:
    mark = exc.problem_mark or exc.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = exc.problem or exc.context or "syntax error"
    return SpecError(source, "", f"invalid YAML{where}: {problem}")


def normalise(tree: Any) -> Any:
    """String keys and JSON-compatible scalars, preserving shared sub-trees.

    YAML anchors make one object appear in many places, and a hostile document nests aliases to
    expand exponentially ("billion laughs"). Memoising by identity keeps the result the same
    size as the YAML source, and makes a self-referencing alias terminate.
    """
    memo: dict[int, Any] = {}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if id(node) in memo:
                return memo[id(node)]
            mapping: dict[str, Any] = {}
            memo[id(node)] = mapping
            for key, value in node.items():
                mapping[_key_text(key)] = walk(value)
            return mapping
        if isinstance(node, list):
            if id(node) in memo:
                return memo[id(node)]
            items: list[Any] = []
            memo[id(node)] = items
            items.extend(walk(item) for item in node)
            return items
        if isinstance(node, datetime.date | datetime.datetime):
            return node.isoformat()
        if isinstance(node, bytes):  # YAML !!binary
            return node.decode("latin-1")
        return node

    return walk(tree)


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, datetime.date | datetime.datetime):
        return key.isoformat()
    return str(key)
