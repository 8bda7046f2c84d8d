"""The config documented from the models themselves, so the docs cannot drift from the code.

`config_json_schema()` is what `authsift config-schema` prints (editors validate and complete
authsift.yaml with it); `config_reference_markdown()` is the README's config reference.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from authsift.config.auth import IdentityConfig
from authsift.config.root import Config

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def config_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of authsift.yaml, keys as written in the file (`in`, `from`)."""
    schema = Config.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        **schema,
        "title": "authsift.yaml",
    }


def config_reference_markdown() -> str:
    """Markdown tables: key path, type, default and description of every key."""
    lines = [
        "| Key | Type | Default | Description |",
        "|---|---|---|---|",
    ]
    _rows(Config, "", lines)
    out = ["## Configuration reference", "", *lines]
    auth_annotation = IdentityConfig.model_fields["auth"].annotation
    for member in _members(auth_annotation):
        tag = get_args(member.model_fields["type"].annotation)[0]
        doc = (member.__doc__ or "").strip().splitlines()[0]
        out += ["", f"### `identities[].auth` with `type: {tag}`", "", doc, ""]
        out += ["| Key | Type | Default | Description |", "|---|---|---|---|"]
        _rows(member, "identities[].auth.", out, skip=("type",))
    return "\n".join(out) + "\n"


def _rows(
    model: type[BaseModel],
    prefix: str,
    lines: list[str],
    skip: tuple[str, ...] = (),
) -> None:
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        key = f"{prefix}{field.alias or name}"
        annotation = field.annotation
        description = (field.description or "").replace("|", "\\|")
        lines.append(f"| `{key}` | {_type_name(annotation)} | {_default(field)} | {description} |")
        nested = [m for m in _members(annotation) if m is not IdentityConfig]
        if len(nested) == 1 and not _is_auth_union(annotation):
            _rows(nested[0], f"{key}.", lines)
        elif _list_item_model(annotation) is IdentityConfig:
            _rows(IdentityConfig, f"{key}[].", lines)


def _is_auth_union(annotation: Any) -> bool:
    return len(_members(annotation)) > 1


def _list_item_model(annotation: Any) -> Any:
    if get_origin(annotation) is list:
        return get_args(annotation)[0]
    return None


def _members(annotation: Any) -> list[type[BaseModel]]:
    """The model classes an annotation stands for (unwrapping Annotated, unions, Optional)."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _members(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [m for arg in get_args(annotation) for m in _members(arg)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is Union or origin is types.UnionType:
        models = _members(annotation)
        if len(models) > 1:
            tags = [get_args(m.model_fields["type"].annotation)[0] for m in models]
            return "mapping, `type` one of " + ", ".join(tags)
        names = [_type_name(a) for a in args if a is not type(None)]
        return " or ".join(names)
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"mapping of {_type_name(args[0])} → {_type_name(args[1])}"
    simple = {str: "string", int: "integer", float: "number", bool: "boolean", SecretStr: "secret"}
    if annotation in simple:
        return simple[annotation]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping"
    return "any"


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    factory = field.default_factory
    value = factory() if factory is not None else field.default  # type: ignore[call-arg]
    if value is PydanticUndefined or value is None:
        return "—"
    if isinstance(value, BaseModel):
        return "(section)"
    return f"`{json.dumps(value)}`"
