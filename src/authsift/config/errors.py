"""One clear line per configuration mistake, naming the key path the user must fix.

Users meet these messages before anything else the tool says, so they are written for people:
`identities[1].auth.type: expected one of bearer, header, … (got 'beare')`, never a pydantic dump
and never a traceback. Pydantic's error records are rewritten here, one rule per error type.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Sequence
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

Location = Sequence[str | int]


class ConfigError(Exception):
    """A user error in the configuration; `str()` is one line: `<key path>: <what is wrong>`.

    `problems` holds every problem found (the first one is the message), so a CLI may list
    them all while logs and exit messages stay one line.
    """

    def __init__(self, message: str, *, path: str = "", problems: Sequence[str] = ()) -> None:
        self.path = path
        self.message = message
        line = f"{path}: {message}" if path else message
        self.problems: tuple[str, ...] = tuple(problems) or (line,)
        super().__init__(line)


def format_path(location: Location) -> str:
    """`("identities", 1, "auth", "type")` → `identities[1].auth.type`."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def from_validation_error(
    error: ValidationError, root: type[BaseModel], data: Any, *, prefix: Location = ()
) -> ConfigError:
    """Turn pydantic's report into a ConfigError whose first problem is the most telling one.

    Unknown keys come first: a typo such as `identites` also makes `identities` "missing", and
    the did-you-mean line is the one that tells the user what to change.
    """
    details = sorted(error.errors(), key=lambda d: d["type"] != "extra_forbidden")
    lines = []
    for detail in details:
        path, message = _describe(detail, root, data)
        full_path = format_path([*prefix, *path]) if path or prefix else ""
        lines.append(f"{full_path}: {message}" if full_path else message)
    head_path, head_message = _describe(details[0], root, data)
    head_path_text = format_path([*prefix, *head_path])
    message = head_message if len(lines) == 1 else f"{head_message} (and {len(lines) - 1} more)"
    return ConfigError(message, path=head_path_text, problems=lines)


def _describe(
    detail: ErrorDetails, root: type[BaseModel], data: Any
) -> tuple[list[str | int], str]:
    location = _user_location(detail["loc"], data)
    kind = detail["type"]
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    got = detail.get("input")
    if kind == "extra_forbidden":
        parent, key = location[:-1], str(location[-1])
        known = _known_keys(root, detail["loc"][:-1])
        return parent, f"unknown key '{key}'{_suggestion(key, known)}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = _choices(str(ctx.get("expected_tags", "")))
        if not tags:
            tags = _tags_at(root, detail["loc"])
        discriminator = str(ctx.get("discriminator", "'type'")).strip("'")
        path = [*location, discriminator]
        if kind == "union_tag_not_found":
            return path, f"required (one of {', '.join(tags)})"
        return path, f"expected one of {', '.join(tags)} (got {ctx.get('tag')!r})"
    return location, _message(kind, ctx, got, detail["msg"])


def _message(kind: str, ctx: dict[str, Any], got: Any, fallback: str) -> str:
    shown = _show(got)
    if kind == "missing":
        return "required"
    if kind in ("literal_error", "enum"):
        return f"expected one of {', '.join(_choices(str(ctx.get('expected', ''))))} (got {shown})"
    bounds = {
        "greater_than": "must be greater than {gt}",
        "greater_than_equal": "must be at least {ge}",
        "less_than": "must be less than {lt}",
        "less_than_equal": "must be at most {le}",
        "too_short": "must have at least {min_length} item(s)",
        "too_long": "must have at most {max_length} item(s)",
        "string_too_short": "must not be empty",
    }
    if kind in ("too_short", "string_too_short") and ctx.get("min_length") in (None, 1):
        return "must not be empty"
    if kind in bounds:
        return bounds[kind].format(**{key: _number(value) for key, value in ctx.items()})
    expected = {
        "int_parsing": "an integer",
        "int_type": "an integer",
        "int_from_float": "a whole number",
        "float_parsing": "a number",
        "float_type": "a number",
        "bool_parsing": "true or false",
        "bool_type": "true or false",
        "string_type": "a string",
        "list_type": "a list",
        "dict_type": "a mapping of key: value",
        "model_type": "a mapping of key: value",
        "model_attributes_type": "a mapping of key: value",
    }
    if kind in expected:
        return f"expected {expected[kind]} (got {shown})"
    if kind == "string_pattern_mismatch":
        return f"must match {ctx.get('pattern')} (got {shown})"
    text = fallback.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return text[:1].lower() + text[1:]


def _number(value: Any) -> Any:
    """`0.0` → `0`: bounds on float fields read as the user wrote them."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _choices(expected: str) -> list[str]:
    """`"'a', 'b' or 'c'"` (pydantic's phrasing) → `["a", "b", "c"]`."""
    return [c.strip().strip("'\"") for c in re.split(r",| or ", expected) if c.strip()]


# Words people reach for that spelling similarity cannot map to the key we chose.
_SYNONYMS = {
    "location": "in",
    "source": "from",
    "body": "json",
    "data": "json",
    "json_body": "json",
    "users": "identities",
    "identity": "identities",
    "accounts": "identities",
    "base_url": "target",
    "url": "target",
}


def _suggestion(word: str, known: Sequence[str]) -> str:
    synonym = _SYNONYMS.get(word.lower())
    match = [synonym] if synonym in known else difflib.get_close_matches(word, known, n=1)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _user_location(location: Location, data: Any) -> list[str | int]:
    """Drop the parts pydantic adds that are not in the user's file (union tags, validators)."""
    path: list[str | int] = []
    node = data
    for part in location:
        if isinstance(part, int):
            path.append(part)
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            continue
        if isinstance(node, dict) and part not in node and node.get("type") == part:
            continue  # the discriminated-union tag: the user wrote it as `type: <part>`
        if "[" in part or part.startswith("function-"):
            continue
        path.append(part)
        node = node.get(part) if isinstance(node, dict) else None
    return path


def _known_keys(root: type[BaseModel], location: Location) -> list[str]:
    model = _model_at(root, location)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _tags_at(root: type[BaseModel], location: Location) -> list[str]:
    annotation = _annotation_at(root, location)
    return [tag for member in _union_members(annotation) for tag in _literal_tags(member)]


def _model_at(root: type[BaseModel], location: Location) -> type[BaseModel] | None:
    annotation = _annotation_at(root, location)
    candidates = [m for m in _union_members(annotation) if _is_model(m)]
    return candidates[0] if len(candidates) == 1 else None


def _annotation_at(root: type[BaseModel], location: Location) -> Any:
    """Follow a pydantic error location through the model classes to the annotation there."""
    annotation: Any = root
    for part in location:
        members = _union_members(annotation)
        if isinstance(part, int):
            sequences = [m for m in members if get_origin(m) in (list, tuple)]
            annotation = get_args(sequences[0])[0] if sequences else None
            continue
        tagged = [m for m in members if _is_model(m) and part in _literal_tags(m)]
        if tagged:
            annotation = tagged[0]
            continue
        models = [m for m in members if _is_model(m)]
        mappings = [m for m in members if get_origin(m) is dict]
        if models:
            fields = {(f.alias or n): f for n, f in models[0].model_fields.items()}
            annotation = fields[part].annotation if part in fields else None
        elif mappings:
            annotation = get_args(mappings[0])[1]
        else:
            return None
    return annotation


def _union_members(annotation: Any) -> list[Any]:
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _union_members(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [m for arg in get_args(annotation) for m in _union_members(arg)]
    return [] if annotation is None else [annotation]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _literal_tags(model: Any) -> list[str]:
    field = model.model_fields.get("type") if _is_model(model) else None
    if field is None or get_origin(field.annotation) is not typing.Literal:
        return []
    return [str(tag) for tag in get_args(field.annotation)]
