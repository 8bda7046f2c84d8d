"""`$ref`: relative files, JSON-pointer escaping, recursion and shared components."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from authsift.spec import SpecError, load_spec_bytes, load_spec_file, parse_spec

DATA = Path(__file__).parent / "data"


def test_multi_file_spec_with_relative_refs() -> None:
    spec = load_spec_file(DATA / "multifile" / "root.yaml")
    get_user, list_users = spec.operations
    assert get_user.key == "GET /users/{id}" and get_user.operation_id == "getUser"
    # parameter from shared/common.yaml, whose schema refs back into the same file
    (user_id,) = get_user.parameters
    assert user_id.schema == {"type": "integer", "minimum": 100}
    assert user_id.example == 100
    user = get_user.responses["200"]
    assert user["properties"]["address"]["properties"]["city"]["default"] == "Lisbon"
    assert user["properties"]["email"] == {"type": "string", "format": "email"}
    # "#" inside user.json is user.json itself: recursion, bundled under $defs
    assert user["properties"]["manager"] == {"$ref": "#/$defs/user"}
    assert user["$defs"]["user"]["required"] == ["id", "email", "address"]
    # Once known to be recursive, `user` is referenced, not re-expanded: that keeps inlining
    # linear. The schema stays self-contained, so a validator can use it as it is.
    users = list_users.responses["200"]
    assert users["items"] == {"$ref": "#/$defs/user"}
    assert users["$defs"]["user"]["required"] == ["id", "email", "address"]
    alice = {"id": 100, "email": "a@example.com", "address": {"city": "Porto"}}
    jsonschema.Draft4Validator(users).validate([alice, {**alice, "manager": alice}])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(users).validate([{**alice, "manager": {"id": 1}}])
    assert spec.security_schemes["token"].scheme == "bearer"


def test_recursive_schema_terminates_and_stays_valid_json_schema() -> None:
    spec = load_spec_file(DATA / "recursive.yaml")
    (operation,) = spec.operations
    body = operation.request_body
    assert body is not None
    assert body.schema["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert body.example == {"value": "string", "children": []}
    tree = {"value": "root", "children": [{"value": "leaf", "children": []}]}
    jsonschema.Draft4Validator(body.schema).validate(tree)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(body.schema).validate({"value": "x", "children": [{}]})
    forest = operation.responses["200"]
    # A → B → A: the cycle is cut at its second visit, and the escaped `Weird/Name~x` resolves.
    inner_b = forest["properties"]["a"]["properties"]["b"]
    assert inner_b["properties"]["a"] == {"$ref": "#/$defs/A"}
    assert inner_b["properties"]["weird~/key"] == {"type": "string", "example": "escaped"}
    assert set(forest["$defs"]) == {"A"}


def test_escaped_and_percent_encoded_pointers() -> None:
    document: dict[str, Any] = {
        "openapi": "3.0.0",
        "paths": {
            "/a/{b}": {
                "get": {"parameters": [{"name": "b", "in": "path", "schema": {"type": "string"}}]}
            },
            "/c": {"$ref": "#/paths/~1a~1%7Bb%7D"},
        },
    }
    spec = parse_spec(document, source="mem")
    assert [op.key for op in spec.operations] == ["GET /a/{b}", "GET /c"]
    assert spec.operations[1].parameters[0].name == "b"


def test_shared_schema_is_inlined_once_and_refs_in_examples_are_data() -> None:
    document = {
        "openapi": "3.0.0",
        "paths": {
            f"/r{i}": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/S"}}
                            },
                        }
                    }
                }
            }
            for i in range(3)
        },
        "components": {
            "schemas": {"S": {"type": "object", "example": {"$ref": "not-a-reference"}}}
        },
    }
    spec = parse_spec(document, source="mem")
    schemas = [op.responses["200"] for op in spec.operations]
    assert all(schema is schemas[0] for schema in schemas)  # memoised: memory stays linear
    assert schemas[0]["example"] == {"$ref": "not-a-reference"}


def test_exponential_fan_out_is_linear_with_memoisation() -> None:
    # S0 → 2× S1 → 4× S2 ... 2**30 leaves if expanded naively; memoised, it is 31 schemas.
    schemas = {
        f"S{i}": {
            "type": "object",
            "properties": {
                "left": {"$ref": f"#/components/schemas/S{i + 1}"},
                "right": {"$ref": f"#/components/schemas/S{i + 1}"},
            },
        }
        for i in range(30)
    }
    schemas["S30"] = {"type": "string"}
    document = {
        "openapi": "3.0.0",
        "paths": {
            "/x": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/S0"}}
                        }
                    }
                }
            }
        },
        "components": {"schemas": schemas},
    }
    spec = parse_spec(document, source="mem")
    body = spec.operations[0].request_body
    assert body is not None and body.example == {}


def test_remote_schema_ref_is_not_fetched() -> None:
    document = {
        "openapi": "3.0.0",
        "paths": {
            "/x": {
                "get": {
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "schema": {"$ref": "https://schemas.example.com/q.json"},
                        }
                    ]
                }
            }
        },
    }
    (parameter,) = parse_spec(document, source="mem").operations[0].parameters
    assert parameter.schema == {"x-authsift-unresolved-ref": "https://schemas.example.com/q.json"}


def test_bytes_from_the_network_cannot_reach_local_files(tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text("password: hunter2\n")
    document = {"openapi": "3.0.0", "paths": {"/x": {"$ref": "secret.yaml#/password"}}}
    with pytest.raises(SpecError) as caught:
        load_spec_bytes(json.dumps(document).encode(), source="http://127.0.0.1/openapi.json")
    assert caught.value.pointer == "/paths/~1x/$ref"
    assert "needs the spec's directory" in str(caught.value)


def test_circular_reference_objects_are_an_error() -> None:
    document = {
        "openapi": "3.0.0",
        "paths": {"/x": {"get": {"parameters": [{"$ref": "#/components/parameters/A"}]}}},
        "components": {
            "parameters": {
                "A": {"$ref": "#/components/parameters/B"},
                "B": {"$ref": "#/components/parameters/A"},
            }
        },
    }
    with pytest.raises(SpecError, match="circular \\$ref"):
        parse_spec(document, source="mem")


def test_undeclared_path_variables_get_a_parameter() -> None:
    document = {"openapi": "3.0.0", "paths": {"/orgs/{org}/users/{id}": {"get": {}}}}
    (operation,) = parse_spec(document, source="mem").operations
    assert [(p.name, p.location.value, p.required, p.example) for p in operation.parameters] == [
        ("org", "path", True, "1"),
        ("id", "path", True, "1"),
    ]


def test_api_key_parameters_are_credentials_not_parameters() -> None:
    document = {
        "openapi": "3.0.0",
        "paths": {
            "/x": {
                "get": {
                    "parameters": [
                        {"name": "X-API-KEY", "in": "header", "schema": {"type": "string"}},
                        {"name": "key", "in": "query", "schema": {"type": "string"}},
                        {"name": "key", "in": "cookie", "schema": {"type": "string"}},
                    ]
                }
            }
        },
        "components": {
            "securitySchemes": {
                "header_key": {"type": "apiKey", "in": "header", "name": "x-api-key"},
                "query_key": {"type": "apiKey", "in": "query", "name": "key"},
            }
        },
    }
    (operation,) = parse_spec(document, source="mem").operations
    assert [(p.name, p.location.value) for p in operation.parameters] == [("key", "cookie")]


def test_properties_named_like_keywords_are_still_schemas() -> None:
    document = {
        "openapi": "3.0.0",
        "paths": {
            "/x": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["default", "example"],
                                    "properties": {
                                        "default": {"$ref": "#/components/schemas/Flag"},
                                        "example": {"$ref": "#/components/schemas/Flag"},
                                    },
                                    "example": {"$ref": "data, not a reference"},
                                }
                            }
                        }
                    }
                }
            }
        },
        "components": {"schemas": {"Flag": {"type": "boolean"}}},
    }
    body = parse_spec(document, source="mem").operations[0].request_body
    assert body is not None
    assert body.schema["properties"] == {
        "default": {"type": "boolean"},
        "example": {"type": "boolean"},
    }
    assert body.schema["example"] == {"$ref": "data, not a reference"}


def test_a_web_of_mutually_recursive_models_is_inlined_in_linear_time() -> None:
    # 40 models, each referring to every other: expanding every path would be 40! nodes.
    count = 40
    schemas = {
        f"S{i}": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "integer"},
                **{
                    f"to{j}": {"$ref": f"#/components/schemas/S{j}"} for j in range(count) if j != i
                },
            },
        }
        for i in range(count)
    }
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
    paths = {}
    for i in range(count):
        response = {"200": {**ok["200"], "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/S{i}"}}}}}  # fmt: skip
        paths[f"/s{i}"] = {"get": {"responses": response}}
    document = {"openapi": "3.0.0", "paths": paths, "components": {"schemas": schemas}}
    spec = parse_spec(document, source="mem")
    assert len(spec.operations) == count
    for index, operation in enumerate(spec.operations):
        schema = operation.responses["200"]
        # self-contained: every marker points into the schema's own $defs
        assert {ref.removeprefix("#/$defs/") for ref in refs_in(schema)} <= set(schema["$defs"])
        assert schema["required"] == ["id"]
        assert f"to{index}" not in schema["properties"]
        jsonschema.Draft4Validator(schema).validate(
            {"id": 1, "to39" if index != 39 else "to0": {"id": 2}}
        )


def refs_in(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*(refs_in(item) for item in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
    return found.union(*(refs_in(value) for value in node.values()))
