"""Format detection by content, the discovery list, and a generated 500-operation spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from authsift.model import ParamLocation
from authsift.spec import SPEC_DISCOVERY_PATHS, load_spec_bytes, load_spec_file, parse_spec

DATA = Path(__file__).parent / "data"


def test_format_is_decided_by_content_not_extension(tmp_path: Path) -> None:
    yaml_text = (DATA / "petstore_openapi30.yaml").read_text(encoding="utf-8")
    disguised = tmp_path / "api-docs.json"  # YAML behind a .json name
    disguised.write_text(yaml_text, encoding="utf-8")
    from_yaml = load_spec_file(disguised)
    as_json = json.dumps(yaml.safe_load(yaml_text), default=str).encode()
    from_json = load_spec_bytes(b"\xef\xbb\xbf" + as_json, source="http://127.0.0.1/v3/api-docs")
    assert [op.key for op in from_yaml.operations] == [op.key for op in from_json.operations]
    assert from_json.source == "http://127.0.0.1/v3/api-docs"
    assert from_json.operations[1].request_body == from_yaml.operations[1].request_body


def test_yaml_flow_mapping_that_is_not_json() -> None:
    spec = load_spec_bytes(b"{openapi: 3.0.0, paths: {/x: {get: {}}}}", source="flow.yaml")
    assert [op.key for op in spec.operations] == ["GET /x"]


def test_parse_spec_accepts_a_raw_yaml_tree_with_int_keys() -> None:
    document = yaml.safe_load(
        "swagger: 2.0\npaths:\n  /x:\n    get:\n      responses:\n"
        "        200: {description: ok, schema: {type: object}}\n"
    )
    spec = parse_spec(document, source="mem")
    assert spec.openapi_version == "2.0"  # an unquoted 2.0 is a float in YAML
    assert spec.operations[0].responses == {"200": {"type": "object"}}


def test_discovery_paths_order_and_shape() -> None:
    assert SPEC_DISCOVERY_PATHS[:10] == (
        "/openapi.json",
        "/openapi.yaml",
        "/swagger.json",
        "/swagger.yaml",
        "/v3/api-docs",
        "/v2/api-docs",
        "/api/schema/",
        "/api-docs",
        "/api/openapi.json",
        "/docs/openapi.json",
    )
    assert len(set(SPEC_DISCOVERY_PATHS)) == len(SPEC_DISCOVERY_PATHS)
    assert all(path.startswith("/") for path in SPEC_DISCOVERY_PATHS)


def generated_spec(resources: int) -> dict[str, Any]:
    """`resources` × (list, create, read, replace, delete) sharing components, like real APIs."""
    paths: dict[str, Any] = {}
    for index in range(resources):
        name = f"res{index:03d}"
        ref = {"$ref": f"#/components/schemas/{'Item' if index % 2 else 'Order'}"}
        json_body = {"content": {"application/json": {"schema": ref}}, "required": True}
        ok = {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}}}
        paths[f"/{name}"] = {
            "get": {"operationId": f"list_{name}", "tags": [name], "responses": ok,
                    "parameters": [{"$ref": "#/components/parameters/Page"}]},
            "post": {"operationId": f"create_{name}", "requestBody": json_body, "responses": ok},
        }  # fmt: skip
        paths[f"/{name}/{{id}}"] = {
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1}}],
            "get": {"operationId": f"get_{name}", "responses": ok},
            "put": {"operationId": f"put_{name}", "requestBody": json_body, "responses": ok,
                    "security": [{"bearer": ["write"]}]},
            "delete": {"operationId": f"delete_{name}", "security": []},
        }  # fmt: skip
    return {
        "openapi": "3.0.3",
        "info": {"title": "big", "version": "1"},
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "parameters": {"Page": {"name": "page", "in": "query", "schema": {"type": "integer"}}},
            "schemas": {
                "Order": {
                    "type": "object",
                    "required": ["item", "quantity"],
                    "properties": {
                        "item": {"$ref": "#/components/schemas/Item"},
                        "quantity": {"type": "integer", "minimum": 1},
                    },
                },
                "Item": {
                    "type": "object",
                    "required": ["sku"],
                    "properties": {"sku": {"type": "string", "minLength": 6}},
                },
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def test_generated_500_operation_spec_as_yaml_bytes() -> None:
    document = generated_spec(100)
    data = yaml.safe_dump(document, sort_keys=False).encode()
    spec = load_spec_bytes(data, source="big.yaml")
    assert len(spec.operations) == 500
    keys = [op.key for op in spec.operations]
    assert len(set(keys)) == 500
    assert keys[:5] == [
        "GET /res000",
        "POST /res000",
        "GET /res000/{id}",
        "PUT /res000/{id}",
        "DELETE /res000/{id}",
    ]
    assert keys[-1] == "DELETE /res099/{id}"
    assert len({op.operation_id for op in spec.operations}) == 500
    by_key = {op.key: op for op in spec.operations}
    create = by_key["POST /res000"].request_body
    assert create is not None and create.example == {"item": {"sku": "string"}, "quantity": 1}
    assert by_key["POST /res001"].request_body.example == {"sku": "string"}  # type: ignore[union-attr]
    read = by_key["GET /res042/{id}"]
    assert read.parameters[0].location is ParamLocation.PATH and read.parameters[0].example == 1
    assert read.security == ({"bearer": ()},)
    assert by_key["PUT /res042/{id}"].security == ({"bearer": ("write",)},)
    assert by_key["DELETE /res042/{id}"].declared_public
    assert by_key["GET /res007"].parameters[0].name == "page"
    assert by_key["GET /res007"].tags == ("res007",)
