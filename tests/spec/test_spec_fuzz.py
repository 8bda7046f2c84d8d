"""Any document at all either parses or raises SpecError: never KeyError, TypeError, a hang.

The generator follows the OpenAPI/Swagger shapes closely enough that most documents reach the
parameter, body, response and `$ref` code, and mixes in wrong types at every level.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authsift.model import ApiSpec
from authsift.spec import SpecError, example_value, parse_spec

_SCHEMA_REFS = [
    "#/components/schemas/a",
    "#/components/schemas/b",
    "#/definitions/a",
    "#/definitions/b",
]
_OTHER_REFS = [
    "#/components/parameters/p",
    "#/parameters/p",
    "#/components/responses/r",
    "#/responses/r",
    "#/paths/~1x",
]
_BAD_REFS = ["#/nope", "other.yaml#/a", "#a", "http://h/x", "#/components/requestBodies/q"]

garbage = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=3),
    lambda children: (
        st.lists(children, max_size=2) | st.dictionaries(st.text(max_size=3), children, max_size=2)
    ),
    max_leaves=6,
)


def rare(common: st.SearchStrategy[Any], unusual: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.integers(0, 14).flatmap(lambda roll: unusual if roll == 0 else common)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The well-formed value most of the time, a value of the wrong shape sometimes (1 in 15):
    often enough to reach every type check, rarely enough that most documents parse deep."""
    return rare(strategy, garbage)


schema_refs = rare(st.sampled_from(_SCHEMA_REFS), st.sampled_from(_BAD_REFS + _OTHER_REFS))
other_refs = rare(st.sampled_from(_OTHER_REFS), st.sampled_from(_BAD_REFS + _SCHEMA_REFS))


schemas = st.recursive(
    st.fixed_dictionaries(
        {},
        optional={
            "type": maybe(st.sampled_from(["string", "integer", "object", "array", "file"])),
            "format": st.sampled_from(["uuid", "int64", "email"]),
            "minimum": maybe(st.integers(-5, 5)),
            "$ref": maybe(schema_refs),
            "example": garbage,
            "enum": maybe(st.lists(st.integers(), max_size=2)),
        },
    ),
    lambda children: st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(["object", "array"]),
            "properties": maybe(st.dictionaries(st.sampled_from("abc"), children, max_size=3)),
            "required": maybe(st.lists(st.sampled_from("abcd"), max_size=3)),
            "items": maybe(children),
            "allOf": maybe(st.lists(children, max_size=2)),
            "oneOf": maybe(st.lists(children, max_size=2)),
            "$ref": schema_refs,
        },
    ),
    max_leaves=8,
)

parameters = st.fixed_dictionaries(
    {
        "name": maybe(st.sampled_from(["id", "q", "api_key", "Authorization"])),
        "in": maybe(st.sampled_from(["path", "query", "header", "cookie", "body", "formData"])),
    },
    optional={
        "required": garbage,
        "schema": maybe(schemas),
        "type": maybe(st.sampled_from(["string", "integer", "file", "array"])),
        "items": maybe(schemas),
        "content": maybe(st.dictionaries(st.just("application/json"), maybe(
            st.fixed_dictionaries({}, optional={"schema": schemas})), max_size=1)),
        "examples": maybe(st.dictionaries(st.just("e"), maybe(
            st.fixed_dictionaries({}, optional={"value": garbage})
        ), max_size=1)),
    },
)  # fmt: skip
parameters = rare(parameters, st.fixed_dictionaries({"$ref": other_refs}))

media = st.dictionaries(
    st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"]),
    maybe(st.fixed_dictionaries({}, optional={"schema": maybe(schemas), "example": garbage})),
    max_size=2,
)
responses = st.dictionaries(
    st.sampled_from(["200", "404", "default", "x-y"]),
    maybe(st.fixed_dictionaries({}, optional={"content": maybe(media), "schema": maybe(schemas),
                                              "description": st.just("d")})),
    max_size=2,
)  # fmt: skip
scopes = maybe(st.lists(st.sampled_from(["read", "write"]), max_size=2))
security = maybe(
    st.lists(maybe(st.dictionaries(st.sampled_from(["k", "o"]), scopes, max_size=2)), max_size=2)
)
operations = st.fixed_dictionaries(
    {},
    optional={
        "parameters": maybe(st.lists(maybe(parameters), max_size=3)),
        "requestBody": maybe(st.fixed_dictionaries({}, optional={
            "content": maybe(media), "required": garbage})),
        "responses": maybe(responses),
        "security": security,
        "tags": maybe(st.lists(st.sampled_from(["t", "u"]), max_size=2)),
        "operationId": maybe(st.sampled_from(["op"])),
        "consumes": maybe(st.lists(st.sampled_from(["multipart/form-data", "application/json"]))),
    },
)  # fmt: skip
path_keys = rare(st.sampled_from(["/x", "/y/{id}", "/z"]), st.just("z"))
path_items = st.fixed_dictionaries(
    {"get": maybe(operations)},
    optional={
        "post": maybe(operations),
        "parameters": maybe(st.lists(maybe(parameters), max_size=2)),
    },
)
schemes = st.fixed_dictionaries(
    {},
    optional={
        "type": maybe(st.sampled_from(["apiKey", "http", "oauth2", "basic", "openIdConnect"])),
        "in": maybe(st.sampled_from(["header", "query", "cookie"])),
        "name": maybe(st.sampled_from(["api_key", "X-Key"])),
        "scheme": maybe(st.sampled_from(["bearer", "basic"])),
        "flow": maybe(st.sampled_from(["implicit", "application"])),
        "flows": maybe(st.dictionaries(st.just("clientCredentials"), garbage, max_size=1)),
        "openIdConnectUrl": maybe(st.just("https://x/")),
    },
)
documents = st.fixed_dictionaries(
    {"paths": maybe(st.dictionaries(path_keys, maybe(path_items), min_size=1, max_size=3))},
    optional={
        "components": maybe(st.fixed_dictionaries({}, optional={
            "schemas": st.fixed_dictionaries({"a": schemas, "b": schemas}),
            "parameters": st.fixed_dictionaries({"p": parameters}),
            "responses": st.fixed_dictionaries({"r": maybe(st.just({"description": "r"}))}),
            "securitySchemes": maybe(st.dictionaries(st.sampled_from(["k", "o"]), maybe(schemes))),
        })),
        "definitions": st.fixed_dictionaries({"a": schemas, "b": schemas}),
        "parameters": st.fixed_dictionaries({"p": parameters}),
        "securityDefinitions": maybe(st.dictionaries(st.sampled_from(["k", "o"]), maybe(schemes))),
        "security": security,
        "servers": maybe(st.lists(maybe(st.fixed_dictionaries({"url": maybe(st.just("/{v}"))},
            optional={"variables": maybe(st.just({"v": {"default": "api"}}))})), max_size=2)),
        "host": maybe(st.just("h.example")),
        "basePath": maybe(st.just("/v1")),
    },
)  # fmt: skip
versions = st.sampled_from([{"openapi": "3.0.3"}, {"openapi": "3.1.0"}, {"swagger": "2.0"}])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(versions, documents)
def test_parse_or_spec_error(version: dict[str, Any], document: dict[str, Any]) -> None:
    try:
        spec = parse_spec({**version, **document}, source="fuzz.yaml")
    except SpecError as error:
        assert str(error).startswith("fuzz.yaml#")
        return
    assert isinstance(spec, ApiSpec)
    for operation in spec.operations:
        for parameter in operation.parameters:
            example_value(parameter.schema)
