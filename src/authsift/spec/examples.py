"""A value a server will accept for a schema: the spec's own example, or the smallest valid one.

Every probe needs a request the API would accept from its rightful user; otherwise a 400 from
validation hides whether authorization was checked (CHECKS.md §1.2). So the value must *validate*:
the spec author's `example`, `default` or first `enum` value when there is one, and otherwise a
minimal value built from the constraints (`minimum`, `minLength`, `minItems`, `required`, ...).

Request semantics are assumed: OpenAPI 3.1 §4.8.24.4 (readOnly): "the property SHOULD NOT be sent
as part of the request", so read-only properties are left out even when listed as required.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from authsift.spec.errors import split_pointer
from authsift.spec.example_scalars import (
    MAX_GENERATED_ITEMS,
    count_of,
    number_value,
    string_value,
)
from authsift.spec.schema_merge import merge_all_of

MAX_DEPTH = 32
"""Beyond this, a schema is treated as recursive; real request bodies are far shallower."""

_NUMERIC_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


def example_value(schema: dict[str, Any]) -> Any:
    """The spec's example for `schema`, or a minimal value that validates against it.

    Precedence: `const`, `example`, the first of 3.1 `examples`, `default`, the first `enum`
    value, then a value built from `type`/`format` and the constraints. `allOf` branches are
    merged; for `oneOf`/`anyOf` the first branch that is not `null` is used. Local `$ref`s
    (`#/$defs/Node`, as the loader bundles recursive schemas) are followed. Cycle-safe: a schema
    met again on the same branch, or a `$ref` that cannot be followed, yields None there.
    """
    return _value(schema, _Walk(schema))


@dataclass(frozen=True, slots=True)
class _Walk:
    """The root (for local `$ref`s) and the schemas being generated on the current branch."""

    root: Any
    active: tuple[int, ...] = ()

    def enter(self, schema: dict[str, Any]) -> _Walk:
        return _Walk(self.root, (*self.active, id(schema)))


def _value(schema: Any, walk: _Walk) -> Any:
    if schema is False or len(walk.active) > MAX_DEPTH:
        return None
    if not isinstance(schema, dict):
        return "string"  # `true` or an unusable schema: anything goes
    if id(schema) in walk.active:
        return None  # recursion: a schema that (through a $ref or directly) contains itself
    walk = walk.enter(schema)
    if "$ref" in schema:
        return _value(_local_target(walk.root, schema["$ref"]), walk)
    found, explicit = _explicit(schema)
    if found:
        return explicit
    schema = _follow_branch_refs(schema, walk)
    if isinstance(schema.get("allOf"), list):
        return _value(merge_all_of(schema), walk)
    for keyword in ("oneOf", "anyOf"):
        branches = schema.get(keyword)
        if isinstance(branches, list) and branches:
            branch = _pick_branch(branches)
            rest = {key: value for key, value in schema.items() if key != keyword}
            combined = merge_all_of({**rest, "allOf": [branch]}) if rest else branch
            return _value(combined, walk)
    return _by_type(schema, _type_of(schema), walk)


def _follow_branch_refs(schema: dict[str, Any], walk: _Walk) -> dict[str, Any]:
    """Composition branches given as local `$ref`s, replaced by their targets so they can be
    merged; a branch that leads back into the current branch stays a `$ref` (merged as nothing)."""
    replaced: dict[str, Any] = {}
    for keyword in ("allOf", "oneOf", "anyOf"):
        branches = schema.get(keyword)
        if not isinstance(branches, list):
            continue
        followed = []
        for branch in branches:
            if isinstance(branch, dict) and "$ref" in branch:
                target = _local_target(walk.root, branch["$ref"])
                if isinstance(target, dict) and id(target) not in walk.active:
                    branch = target
            followed.append(branch)
        replaced[keyword] = followed
    return {**schema, **replaced} if replaced else schema


def _local_target(root: Any, ref: Any) -> Any:
    """The schema a same-document `$ref` names; False (nothing to generate) if there is none."""
    if not isinstance(ref, str) or not ref.startswith("#"):
        return False
    try:
        tokens = split_pointer(ref[1:])
    except ValueError:
        return False
    node = root
    for token in tokens:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return node


def _explicit(schema: dict[str, Any]) -> tuple[bool, Any]:
    if "const" in schema:
        return True, copy.deepcopy(schema["const"])
    if schema.get("example") is not None:
        return True, copy.deepcopy(schema["example"])
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return True, copy.deepcopy(examples[0])
    if schema.get("default") is not None:
        return True, copy.deepcopy(schema["default"])
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        non_null = [value for value in enum if value is not None]
        return True, copy.deepcopy(non_null[0] if non_null else enum[0])
    return False, None


def _pick_branch(branches: list[Any]) -> Any:
    for branch in branches:
        if not (isinstance(branch, dict) and _type_of(branch) == "null"):
            return branch
    return branches[0]


def _type_of(schema: dict[str, Any]) -> str:
    """The type to generate: declared (first non-null of a 3.1 type list) or inferred."""
    declared = schema.get("type")
    if isinstance(declared, list):
        non_null = [item for item in declared if item != "null"]
        return str(non_null[0]) if non_null else "null"
    if isinstance(declared, str):
        return declared
    keys = schema.keys()
    if keys & {"properties", "required", "additionalProperties", "minProperties"}:
        return "object"
    if keys & {"items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains"}:
        return "array"
    fmt = schema.get("format")
    if fmt in ("int32", "int64"):
        return "integer"
    if fmt in ("float", "double") or keys & set(_NUMERIC_KEYWORDS):
        return "number"
    return "string"


def _by_type(schema: dict[str, Any], kind: str, walk: _Walk) -> Any:
    if kind == "object":
        return _object(schema, walk)
    if kind == "array":
        return _array(schema, walk)
    if kind == "integer":
        return number_value(schema, integer=True)
    if kind == "number":
        return number_value(schema, integer=False)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return string_value(schema)


def _object(schema: dict[str, Any], walk: _Walk) -> dict[str, Any]:
    properties = schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    additional = schema.get("additionalProperties")
    result: dict[str, Any] = {}

    def add(name: str) -> None:
        sub = properties.get(name, additional if isinstance(additional, dict) else {})
        if isinstance(sub, dict) and sub.get("readOnly") is True:
            return
        result[name] = _value(sub, walk)

    required = schema.get("required")
    for name in required if isinstance(required, list) else []:
        add(str(name))
    minimum = count_of(schema, "minProperties", MAX_GENERATED_ITEMS)
    if minimum:
        for name in properties:
            if len(result) >= minimum:
                break
            if name not in result:
                add(name)
        filler = 0
        while len(result) < minimum and additional is not False and filler < minimum + 1:
            add(f"property{filler}")
            filler += 1
    return result


def _array(schema: dict[str, Any], walk: _Walk) -> list[Any]:
    prefix = schema.get("prefixItems")
    prefix = prefix if isinstance(prefix, list) else []
    items = schema.get("items", {})
    if isinstance(items, list):  # draft-4 tuple form, used by Swagger 2.0-era tools
        prefix, items = items, schema.get("additionalItems", {})
    count = count_of(schema, "minItems", MAX_GENERATED_ITEMS)
    if count == 0 and isinstance(schema.get("contains"), dict):
        return [_value(schema["contains"], walk)]
    result = [
        _value(prefix[index] if index < len(prefix) else items, walk) for index in range(count)
    ]
    if schema.get("uniqueItems") is True:
        result = _make_distinct(result)
    return result


def _make_distinct(values: list[Any]) -> list[Any]:
    """Best effort for `uniqueItems`: vary repeated scalars, which covers ids and tags."""
    seen: list[Any] = []
    for index, value in enumerate(values):
        candidate = value
        if candidate in seen:
            if isinstance(candidate, bool):
                candidate = not candidate
            elif isinstance(candidate, int | float):
                candidate = candidate + index
            elif isinstance(candidate, str):
                candidate = f"{candidate}{index}"
        seen.append(candidate)
    return seen
