"""Swagger 2.0 Petstore (JSON): every 2.0 shape lands in the version-neutral model."""

from __future__ import annotations

from pathlib import Path

import pytest

from authsift.model import ApiSpec, Operation, ParamLocation
from authsift.spec import load_spec_file

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def spec() -> ApiSpec:
    return load_spec_file(DATA / "petstore_swagger2.json")


def by_id(spec: ApiSpec, operation_id: str) -> Operation:
    return next(op for op in spec.operations if op.operation_id == operation_id)


def test_document_facts(spec: ApiSpec) -> None:
    assert (spec.title, spec.version, spec.openapi_version) == ("Swagger Petstore", "1.0.7", "2.0")
    assert spec.source == str(DATA / "petstore_swagger2.json")
    # basePath goes into servers, never into the operation paths.
    assert spec.servers == ("https://petstore.example.com/v2", "http://petstore.example.com/v2")
    assert [op.key for op in spec.operations] == [
        "POST /pet",
        "GET /pet/findByStatus",
        "GET /pet/{petId}",
        "POST /pet/{petId}",
        "DELETE /pet/{petId}",
        "POST /pet/{petId}/uploadImage",
        "GET /store/inventory",
        "GET /user/login",
    ]


def test_body_parameter_becomes_request_body(spec: ApiSpec) -> None:
    add_pet = by_id(spec, "addPet")
    body = add_pet.request_body
    assert body is not None
    assert body.content_type == "application/json"  # JSON preferred over the XML also consumed
    assert body.required is True
    assert body.schema["required"] == ["name", "photoUrls"]
    assert body.schema["properties"]["category"]["properties"]["name"] == {"type": "string"}
    # schema example for name, minItems 1 for photoUrls, readOnly id left out of the request
    assert body.example == {"name": "doggie", "photoUrls": ["https://example.com/"]}
    assert add_pet.parameters == ()
    assert add_pet.tags == ("pet",)
    assert add_pet.summary == "Add a new pet to the store"


def test_form_data_becomes_urlencoded_body(spec: ApiSpec) -> None:
    body = by_id(spec, "updatePetWithForm").request_body
    assert body is not None
    assert body.content_type == "application/x-www-form-urlencoded"
    assert body.schema == {
        "type": "object",
        "properties": {"name": {"type": "string"}, "status": {"type": "string"}},
        "required": ["name"],
    }
    assert body.example == {"name": "doggie"}  # x-example of the required field only


def test_file_upload_becomes_multipart(spec: ApiSpec) -> None:
    body = by_id(spec, "uploadFile").request_body
    assert body is not None
    assert body.content_type == "multipart/form-data"
    assert body.schema["properties"]["file"] == {"type": "string", "format": "binary"}


def test_path_level_parameters_merge_and_operation_wins(spec: ApiSpec) -> None:
    get_pet = by_id(spec, "getPetById")
    (pet_id,) = get_pet.parameters
    assert pet_id.location is ParamLocation.PATH and pet_id.required
    assert pet_id.example == 1  # minimum 1
    delete = by_id(spec, "deletePet")
    # The api_key header duplicates the api_key security scheme, and an Authorization header
    # parameter would clobber the identity's token: both are credentials, not parameters.
    assert [(p.name, p.location) for p in delete.parameters] == [
        ("petId", ParamLocation.PATH),
        ("X-Request-Id", ParamLocation.HEADER),
    ]
    assert delete.parameters[0].example == 42  # the operation's own definition, with x-example
    assert "minimum" not in delete.parameters[0].schema


def test_simple_parameter_schema_and_examples(spec: ApiSpec) -> None:
    find = by_id(spec, "findPetsByStatus")
    (status,) = find.parameters
    assert status.schema["type"] == "array" and status.schema["minItems"] == 1
    assert status.example == ["available"]
    assert find.deprecated is True
    login = by_id(spec, "loginUser")
    password = next(p for p in login.parameters if p.name == "password")
    assert len(password.example) >= 8


def test_security_inheritance(spec: ApiSpec) -> None:
    assert by_id(spec, "getPetById").security == ({"api_key": ()},)
    assert by_id(spec, "addPet").security == ({"petstore_auth": ("write:pets", "read:pets")},)
    inventory = by_id(spec, "getInventory")
    assert inventory.security == ()
    assert inventory.declared_public


def test_security_definitions_in_3x_vocabulary(spec: ApiSpec) -> None:
    schemes = spec.security_schemes
    assert (schemes["basic"].type, schemes["basic"].scheme) == ("http", "basic")
    api_key = schemes["api_key"]
    assert (api_key.type, api_key.location, api_key.param_name) == ("apiKey", "header", "api_key")
    assert schemes["petstore_auth"].flows == {
        "implicit": {
            "authorizationUrl": "https://petstore.example.com/oauth/authorize",
            "scopes": {"write:pets": "modify pets", "read:pets": "read your pets"},
        }
    }
    assert schemes["client"].flows == {
        "clientCredentials": {"tokenUrl": "https://petstore.example.com/token", "scopes": {}}
    }


def test_responses_are_json_schemas(spec: ApiSpec) -> None:
    get_pet = by_id(spec, "getPetById")
    assert set(get_pet.responses) == {"200"}  # 404 has no schema
    assert get_pet.responses["200"]["required"] == ["name", "photoUrls"]  # through #/responses
    assert by_id(spec, "loginUser").responses == {}  # produces only XML


def test_servers_without_host_or_schemes() -> None:
    from authsift.spec import parse_spec

    bare = parse_spec({"swagger": "2.0", "paths": {}}, source="mem")
    assert bare.servers == ("/",)
    hosted = parse_spec(
        {"swagger": "2.0", "host": "api.example.com:8080", "basePath": "/v1", "paths": {}},
        source="mem",
    )
    assert hosted.servers == ("//api.example.com:8080/v1",)
