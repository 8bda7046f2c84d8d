"""Every unusable spec is a SpecError naming the document and JSON pointer, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from authsift.spec import SpecError, load_spec_bytes, load_spec_file, parse_spec


def users_get(**operation: Any) -> dict[str, Any]:
    return {"openapi": "3.0.3", "paths": {"/users": {"get": operation}}}


def error_of(document: Any) -> SpecError:
    with pytest.raises(SpecError) as caught:
        parse_spec(document, source="spec.yaml")
    return caught.value


def test_message_format_names_the_pointer() -> None:
    error = error_of(users_get(parameters=[{"in": "query"}]))
    assert str(error) == "spec.yaml#/paths/~1users/get/parameters/0: missing 'name'"
    assert (error.document, error.pointer) == ("spec.yaml", "/paths/~1users/get/parameters/0")
    assert error.location == "spec.yaml#/paths/~1users/get/parameters/0"


@pytest.mark.parametrize(
    ("document", "pointer", "problem"),
    [
        ([], "", "must be a mapping"),
        ({"info": {"title": "x"}}, "", "no 'openapi' or 'swagger' key"),
        ({"openapi": "4.0.0", "paths": {}}, "/openapi", "unsupported OpenAPI version '4.0.0'"),
        ({"swagger": "1.2", "paths": {}}, "/swagger", "unsupported Swagger version '1.2'"),
        ({"openapi": "3.0.0"}, "", "missing 'paths'"),
        ({"swagger": "2.0"}, "", "missing 'paths'"),
        ({"openapi": "3.0.0", "paths": ["/x"]}, "/paths", "paths must be a mapping, got a list"),
        ({"swagger": "2.0", "paths": "none"}, "/paths", "paths must be a mapping"),
        ({"openapi": "3.0.0", "paths": {"users": {}}}, "/paths/users", "must begin with '/'"),
        ({"openapi": "3.0.0", "paths": {"/u": {"get": []}}}, "/paths/~1u/get", "an operation"),
        (
            users_get(parameters=[{"name": "id"}]),
            "/paths/~1users/get/parameters/0",
            "missing 'in'",
        ),
        (
            users_get(parameters=[{"name": "id", "in": "body"}]),
            "/paths/~1users/get/parameters/0/in",
            "'in' must be one of path, query, header, cookie",
        ),
        (
            users_get(parameters={"name": "id"}),
            "/paths/~1users/get/parameters",
            "parameters must be a list",
        ),
        (
            users_get(security={"bearer": []}),
            "/paths/~1users/get/security",
            "security must be a list",
        ),
        (
            users_get(security=[{"bearer": "admin"}]),
            "/paths/~1users/get/security/0/bearer",
            "scopes must be a list",
        ),
        (
            users_get(
                responses={
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}
                        },
                    }
                }
            ),
            "/paths/~1users/get/responses/200/content/application~1json/schema/$ref",
            "dangling $ref '#/components/schemas/Nope'",
        ),
        (
            users_get(parameters=[{"$ref": "#/components/parameters/Missing"}]),
            "/paths/~1users/get/parameters/0/$ref",
            "dangling $ref",
        ),
        (
            users_get(parameters=[{"$ref": 7}]),
            "/paths/~1users/get/parameters/0/$ref",
            "$ref must be a string",
        ),
        (
            users_get(parameters=[{"$ref": "#Anchor"}]),
            "/paths/~1users/get/parameters/0/$ref",
            "only JSON-pointer fragments",
        ),
        (
            users_get(parameters=[{"$ref": "https://example.com/p.json"}]),
            "/paths/~1users/get/parameters/0/$ref",
            "never fetches",
        ),
        (
            {
                "swagger": "2.0",
                "paths": {"/u": {"post": {"parameters": [{"name": "b", "in": "body"}]}}},
            },
            "/paths/~1u/post/parameters/0",
            "missing 'schema'",
        ),
        (
            {
                "openapi": "3.0.0",
                "paths": {},
                "components": {"securitySchemes": {"k": {"type": "apiKey", "in": "body"}}},
            },
            "/components/securitySchemes/k/in",
            "'in' must be one of header, query, cookie",
        ),
        (
            {
                "openapi": "3.0.0",
                "paths": {},
                "components": {"securitySchemes": {"h": {"type": "http"}}},
            },
            "/components/securitySchemes/h",
            "missing 'scheme'",
        ),
        (
            {"swagger": "2.0", "paths": {}, "securityDefinitions": {"o": {"type": "oauth2"}}},
            "/securityDefinitions/o/flow",
            "flow must be one of",
        ),
        (
            {"openapi": "3.0.0", "paths": {}, "servers": [{"description": "no url"}]},
            "/servers/0",
            "missing 'url'",
        ),
    ],
)
def test_bad_documents(document: Any, pointer: str, problem: str) -> None:
    error = error_of(document)
    assert error.document == "spec.yaml"
    assert error.pointer == pointer
    assert problem in error.problem


def test_unreadable_yaml_says_line_and_column() -> None:
    data = b"openapi: 3.0.0\npaths:\n  /x:\n    get: {responses: [\n"
    with pytest.raises(SpecError) as caught:
        load_spec_bytes(data, source="http://127.0.0.1:1/openapi.yaml")
    assert caught.value.pointer == ""
    assert "invalid YAML at line 5, column 1" in str(caught.value)


def test_unreadable_json_says_line_and_column() -> None:
    with pytest.raises(SpecError, match="invalid JSON at line 2, column 12"):
        load_spec_bytes(b'{"openapi": "3.0.0",\n "paths": {,}}', source="spec.json")


def test_not_utf8() -> None:
    with pytest.raises(SpecError, match="not UTF-8"):
        load_spec_bytes(b"openapi: \xff\xfe", source="spec.yaml")


def test_missing_spec_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read the spec"):
        load_spec_file(tmp_path / "nope.yaml")


def test_missing_file_ref_names_pointer(tmp_path: Path) -> None:
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(
        "openapi: 3.0.0\npaths:\n  /x:\n    $ref: 'paths/x.yaml'\n", encoding="utf-8"
    )
    with pytest.raises(SpecError) as caught:
        load_spec_file(spec_path)
    assert caught.value.document == str(spec_path)
    assert caught.value.pointer == "/paths/~1x/$ref"
    assert "does not exist" in caught.value.problem
    assert str(tmp_path / "paths" / "x.yaml") in caught.value.problem


def test_errors_inside_a_referenced_file_name_that_file(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text("Id: {in: path}\n", encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("a: [\n", encoding="utf-8")
    document = {
        "openapi": "3.0.0",
        "paths": {"/x": {"get": {"parameters": [{"$ref": "params.yaml#/Id"}]}}},
    }
    with pytest.raises(SpecError) as caught:
        parse_spec(document, source="spec.json", base_dir=tmp_path)
    assert caught.value.document == str(tmp_path / "params.yaml")
    assert caught.value.pointer == "/Id"
    assert caught.value.problem == "missing 'name'"
    document["paths"] = {"/x": {"$ref": "broken.yaml#/a"}}
    with pytest.raises(SpecError) as caught:
        parse_spec(document, source="spec.json", base_dir=tmp_path)
    assert caught.value.document == str(tmp_path / "broken.yaml")
    assert "invalid YAML at line 2" in caught.value.problem


def test_dangling_pointer_into_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / "schemas.json").write_text(json.dumps({"A": {"type": "string"}}))
    document = users_get(
        parameters=[{"name": "q", "in": "query", "schema": {"$ref": "schemas.json#/B"}}]
    )
    with pytest.raises(SpecError) as caught:
        parse_spec(document, source="spec.json", base_dir=tmp_path)
    assert caught.value.pointer == "/paths/~1users/get/parameters/0/schema/$ref"
    assert "dangling $ref 'schemas.json#/B'" in caught.value.problem


def test_absurd_nesting_is_a_spec_error_not_a_recursion_error() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(5000):
        deep = {"type": "array", "items": deep}
    document = users_get(parameters=[{"name": "q", "in": "query", "schema": deep}])
    with pytest.raises(SpecError, match="nested"):
        parse_spec(document, source="spec.json")


def test_self_referencing_yaml_alias_is_a_spec_error() -> None:
    data = b"openapi: 3.0.0\npaths:\n  /x:\n    get:\n      parameters:\n" + (
        b"        - {name: q, in: query, schema: &s {type: array, items: *s}}\n"
    )
    with pytest.raises(SpecError, match="nested deeper than"):
        load_spec_bytes(data, source="spec.yaml")
