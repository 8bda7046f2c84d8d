"""Flatten `allOf` into one schema, so that one value can be generated that satisfies every branch.

`allOf` is how specs compose models (`allOf: [$ref: Pet, {required: [id]}]`). A value must satisfy
all branches at once (JSON Schema 2020-12 §10.2.1.1), so constraints are intersected, not
overwritten: required lists are united, lower bounds raised, upper bounds lowered, properties
merged recursively.
"""

from __future__ import annotations

from typing import Any

_LOWER_BOUNDS = ("minimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "maxLength", "maxItems", "maxProperties")
_MAX_DEPTH = 32


def merge_all_of(schema: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """`schema` with its `allOf` branches (and theirs, recursively) merged into it."""
    branches = schema.get("allOf")
    merged = {key: value for key, value in schema.items() if key != "allOf"}
    if not isinstance(branches, list) or depth > _MAX_DEPTH:
        return merged
    for branch in branches:
        if not isinstance(branch, dict) or "$ref" in branch:
            continue  # `true`, or a recursion marker: contributes no usable constraint
        merged = merge_two(merged, merge_all_of(branch, depth + 1), depth + 1)
    return merged


def merge_two(left: dict[str, Any], right: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """The conjunction of two schemas without `allOf`, as far as example generation needs."""
    result = dict(left)
    for key, value in right.items():
        if key not in result:
            result[key] = value
        elif key in _LOWER_BOUNDS and _both_numbers(result[key], value):
            result[key] = max(result[key], value)
        elif key in _UPPER_BOUNDS and _both_numbers(result[key], value):
            result[key] = min(result[key], value)
        elif key == "exclusiveMinimum":
            result[key] = _stricter(result[key], value, max)
        elif key == "exclusiveMaximum":
            result[key] = _stricter(result[key], value, min)
        elif key == "required" and isinstance(value, list) and isinstance(result[key], list):
            result[key] = list(dict.fromkeys([*result[key], *value]))
        elif key == "properties" and isinstance(value, dict) and isinstance(result[key], dict):
            result[key] = _merge_properties(result[key], value, depth)
        elif key == "type":
            result[key] = _intersect_types(result[key], value)
        elif key == "enum" and isinstance(value, list) and isinstance(result[key], list):
            common = [item for item in result[key] if item in value]
            result[key] = common or result[key]
        elif key == "items" and _both_dicts(result[key], value) and depth <= _MAX_DEPTH:
            result[key] = merge_two(result[key], value, depth + 1)
    return result


def _merge_properties(left: dict[str, Any], right: dict[str, Any], depth: int) -> dict[str, Any]:
    merged = dict(left)
    for name, schema in right.items():
        current = merged.get(name)
        if isinstance(current, dict) and isinstance(schema, dict) and depth <= _MAX_DEPTH:
            merged[name] = merge_two(
                merge_all_of(current, depth + 1), merge_all_of(schema, depth + 1), depth + 1
            )
        else:
            merged[name] = schema
    return merged


def _both_numbers(left: Any, right: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))


def _both_dicts(left: Any, right: Any) -> bool:
    return isinstance(left, dict) and isinstance(right, dict)


def _stricter(left: Any, right: Any, pick: Any) -> Any:
    """3.1 numeric exclusive bounds combine like bounds; a draft-4 boolean `true` wins."""
    if _both_numbers(left, right):
        return pick(left, right)
    return True if True in (left, right) else left


def _intersect_types(left: Any, right: Any) -> Any:
    """Types both branches allow; `integer` is a `number`, so their meet is `integer`."""
    left_types = left if isinstance(left, list) else [left]
    right_types = right if isinstance(right, list) else [right]
    common = [t for t in left_types if t in right_types]
    if "integer" in left_types and "number" in right_types and "integer" not in common:
        common.append("integer")
    if "number" in left_types and "integer" in right_types and "integer" not in common:
        common.append("integer")
    if not common:
        return left
    return common[0] if len(common) == 1 else common
