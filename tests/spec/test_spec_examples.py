"""`example_value`: the spec's example when there is one, else a minimal value that validates."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authsift.spec import example_value
from authsift.spec.example_scalars import FORMAT_EXAMPLES

# ------------------------------------------------------------------ precedence and formats


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "integer", "example": 7, "default": 3, "enum": [1, 2]}, 7),
        ({"type": "integer", "default": 3, "enum": [1, 3]}, 3),
        ({"type": "string", "enum": [None, "b"]}, "b"),
        ({"type": "string", "examples": ["first", "second"]}, "first"),
        ({"const": "fixed", "example": "other"}, "fixed"),
        ({"type": "string", "format": "uuid"}, "3fa85f64-5717-4562-b3fc-2c963f66afa6"),
        ({"type": "string", "format": "email"}, "user@example.com"),
        ({"type": "string", "format": "date-time"}, "2024-01-01T00:00:00Z"),
        ({"type": "string", "format": "date"}, "2024-01-01"),
        ({"type": "string", "minLength": 10}, "stringxxxx"),
        ({"type": "string", "maxLength": 3}, "1"),
        ({"type": "string", "pattern": "^[0-9]{3}$"}, "123"),
        ({"type": "integer", "minimum": 5}, 5),
        ({"type": "integer", "minimum": 5, "exclusiveMinimum": True}, 6),  # 3.0 / draft 4
        ({"type": "integer", "exclusiveMinimum": 5}, 6),  # 3.1 / 2020-12
        ({"type": "integer", "maximum": -3}, -3),
        ({"type": "integer", "minimum": 3, "multipleOf": 5}, 5),
        ({"type": "number", "exclusiveMaximum": 0.5}, -0.5),
        ({"type": "boolean"}, True),
        ({"type": "null"}, None),
        ({"type": ["null", "integer"], "minimum": 2}, 2),
        ({"type": "string", "nullable": True}, "string"),
        ({"type": "array", "items": {"type": "integer"}}, []),
        (
            {"type": "array", "items": {"type": "integer"}, "minItems": 2, "uniqueItems": True},
            [1, 2],
        ),
        (
            {"prefixItems": [{"type": "string"}, {"type": "boolean"}], "minItems": 2},
            ["string", True],
        ),
        (
            {"properties": {"a": {"type": "integer"}}, "required": ["a", "b"]},
            {"a": 1, "b": "string"},
        ),
        ({"type": "object", "properties": {"id": {"readOnly": True}}, "required": ["id"]}, {}),
        (
            {
                "allOf": [
                    {"required": ["a"]},
                    {"properties": {"a": {"type": "integer", "minimum": 4}}},
                ]
            },
            {"a": 4},
        ),
        ({"oneOf": [{"type": "null"}, {"type": "string", "format": "email"}]}, "user@example.com"),
        ({"anyOf": [{"type": "integer"}, {"type": "string"}]}, 1),
        ({"$ref": "#/$defs/Node"}, None),
        ({}, "string"),
    ],
)
def test_known_values(schema: dict[str, Any], expected: Any) -> None:
    assert example_value(schema) == expected


def test_examples_are_copies_not_shared_with_the_spec() -> None:
    schema: dict[str, Any] = {"type": "object", "example": {"tags": ["a"]}}
    value = example_value(schema)
    value["tags"].append("b")
    assert schema["example"] == {"tags": ["a"]}


def test_local_refs_are_followed_and_recursion_stops() -> None:
    linked_list = {
        "$defs": {
            "Cell": {
                "type": "object",
                "required": ["value", "next"],
                "properties": {
                    "value": {"type": "integer", "minimum": 3},
                    "next": {"anyOf": [{"$ref": "#/$defs/Cell"}, {"type": "null"}]},
                },
            }
        },
        "$ref": "#/$defs/Cell",
    }
    value = example_value(linked_list)
    assert value == {"value": 3, "next": None}  # the cycle stops where null is allowed
    jsonschema.Draft202012Validator(linked_list).validate(value)


def test_a_schema_containing_itself_terminates() -> None:
    node: dict[str, Any] = {"type": "object", "required": ["child"], "properties": {}}
    node["properties"]["child"] = node
    assert example_value(node) == {"child": None}


def test_absurd_constraints_are_capped() -> None:
    assert len(example_value({"type": "array", "minItems": 10**9})) == 64
    assert len(example_value({"type": "string", "minLength": 10**9})) == 10_000
    assert example_value({"type": "number", "minimum": float("nan")}) == 1


def test_every_format_example_is_a_string() -> None:
    for name, value in FORMAT_EXAMPLES.items():
        assert example_value({"type": "string", "format": name}) == value


# ------------------------------------------------------------------ property: the value validates

_names = st.text(alphabet="abcdefgh", min_size=1, max_size=4)


@st.composite
def integer_schemas(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer"}
    step = draw(st.integers(1, 7))
    low = draw(st.integers(-1000, 1000))
    high = low + draw(st.integers(3 * step + 2, 3 * step + 500))
    if draw(st.booleans()):
        schema["multipleOf"] = step
    if draw(st.booleans()):
        schema["exclusiveMinimum" if draw(st.booleans()) else "minimum"] = low
    if draw(st.booleans()):
        schema["exclusiveMaximum" if draw(st.booleans()) else "maximum"] = high
    return schema


@st.composite
def number_schemas(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "number"}
    low = draw(st.floats(-1e6, 1e6, allow_nan=False))
    high = low + draw(st.floats(0.01, 1e6))
    if draw(st.booleans()):
        schema["exclusiveMinimum" if draw(st.booleans()) else "minimum"] = low
    if draw(st.booleans()):
        schema["exclusiveMaximum" if draw(st.booleans()) else "maximum"] = high
    return schema


@st.composite
def string_schemas(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if draw(st.booleans()):
        schema["format"] = draw(st.sampled_from(sorted(FORMAT_EXAMPLES)))
    if draw(st.booleans()):
        schema["pattern"] = draw(st.sampled_from(["^[a-z]+$", "^[0-9]+$", "^[A-Z]", "b", "\\d"]))
        return schema
    low = draw(st.integers(0, 40))
    if draw(st.booleans()):
        schema["minLength"] = low
    if draw(st.booleans()):
        schema["maxLength"] = low + draw(st.integers(0, 40))
    return schema


scalars = st.one_of(
    integer_schemas(),
    number_schemas(),
    string_schemas(),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.lists(st.integers(), min_size=1, max_size=4).map(lambda values: {"enum": values}),
    st.text(max_size=5).map(lambda value: {"const": value}),
    string_schemas().map(lambda schema: {**schema, "type": ["string", "null"]}),
)


def objects(
    children: st.SearchStrategy[dict[str, Any]], prefix: str = "", closed: bool = True
) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with some properties required; `closed` allows additionalProperties: false."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        properties = draw(st.dictionaries(_names.map(prefix.__add__), children, max_size=4))
        names = sorted(properties)
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if names:
            schema["required"] = draw(st.lists(st.sampled_from(names), unique=True))
        if closed and draw(st.booleans()):
            schema["additionalProperties"] = False
            schema["minProperties"] = draw(st.integers(0, len(names)))
        return schema

    return build()


def arrays(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        low = draw(st.integers(0, 3))
        return {
            "type": "array",
            "items": draw(children),
            "minItems": low,
            "maxItems": low + draw(st.integers(0, 3)),
        }

    return build()


def composed(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """allOf of two open objects with disjoint names (always satisfiable), anyOf, oneOf."""
    halves = st.tuples(objects(children, "l", closed=False), objects(children, "r", closed=False))
    all_of = halves.map(lambda pair: {"allOf": list(pair)})
    any_of = st.lists(children, min_size=1, max_size=3).map(lambda branches: {"anyOf": branches})
    one_of = string_schemas().map(lambda s: {"oneOf": [{"type": "null"}, s, {"type": "boolean"}]})
    return st.one_of(all_of, any_of, one_of)


schemas = st.recursive(
    scalars,
    lambda children: st.one_of(objects(children), arrays(children), composed(children)),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schemas)
def test_generated_value_validates_2020_12(schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(example_value(schema))


@settings(max_examples=200, deadline=None)
@given(
    low=st.integers(-100, 100),
    span=st.integers(2, 100),
    low_open=st.booleans(),
    high_open=st.booleans(),
    kind=st.sampled_from(["integer", "number"]),
)
def test_draft4_boolean_exclusive_bounds(
    low: int, span: int, low_open: bool, high_open: bool, kind: str
) -> None:
    schema = {
        "type": kind,
        "minimum": low,
        "exclusiveMinimum": low_open,
        "maximum": low + span,
        "exclusiveMaximum": high_open,
    }
    jsonschema.Draft4Validator(schema).validate(example_value(schema))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            ["type", "items", "properties", "required", "allOf", "oneOf", "anyOf", "enum",
             "minimum", "maximum", "minItems", "minLength", "maxLength", "multipleOf", "format",
             "pattern", "exclusiveMinimum", "prefixItems", "additionalProperties", "$ref", "x"]
        ),
        children,
        max_size=5,
    ),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["type", "items", "properties", "allOf"]), json_values))
def test_never_raises_on_garbage(schema: dict[str, Any]) -> None:
    example_value(schema)  # any outcome but an exception or a hang is acceptable here


def test_composition_branches_given_as_local_refs_are_merged() -> None:
    schema = {
        "definitions": {
            "Named": {"required": ["name"], "properties": {"name": {"type": "string"}}},
            "Aged": {"required": ["age"], "properties": {"age": {"type": "integer"}}},
        },
        "type": "object",
        "allOf": [{"$ref": "#/definitions/Named"}],
        "oneOf": [{"$ref": "#/definitions/Aged"}],
    }
    value = example_value(schema)
    assert value == {"name": "string", "age": 1}
    jsonschema.Draft4Validator(schema).validate(value)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "number", "multipleOf": 1e308, "minimum": 1e308},
        {"type": "number", "multipleOf": 5e-324},
        {"type": "integer", "minimum": 1e308, "multipleOf": 3},
        {"type": "integer", "minimum": float("inf")},
    ],
)
def test_extreme_numbers_do_not_raise(schema: dict[str, Any]) -> None:
    assert isinstance(example_value(schema), int | float)
