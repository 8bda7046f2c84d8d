"""OpenAPI 3.0 Petstore (YAML) and a 3.1 document with type lists and `$ref` siblings."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from authsift.model import ApiSpec, Operation, ParamLocation
from authsift.spec import load_spec_file, parse_spec

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def petstore() -> ApiSpec:
    return load_spec_file(DATA / "petstore_openapi30.yaml")


@pytest.fixture(scope="module")
def modern() -> ApiSpec:
    return load_spec_file(DATA / "openapi31.yaml")


def operation(spec: ApiSpec, key: str) -> Operation:
    return next(op for op in spec.operations if op.key == key)


def test_every_method_of_every_path(petstore: ApiSpec) -> None:
    assert [op.key for op in petstore.operations] == [
        "GET /pets",
        "POST /pets",
        "GET /pets/{petId}",
        "PUT /pets/{petId}",
        "DELETE /pets/{petId}",
        "PATCH /pets/{petId}",
        "HEAD /pets/{petId}",
        "OPTIONS /pets/{petId}",
        "TRACE /pets/{petId}",
        "GET /pets/{petId}/photo",  # a path item given as a $ref
    ]
    assert petstore.version == "2024-05-01"  # an unquoted YAML date comes back as a string
    assert petstore.openapi_version == "3.0.3"


def test_servers_with_variables(petstore: ApiSpec) -> None:
    assert petstore.servers == ("https://eu.petstore.example.com:8443/api/v3", "/api/v3")


def test_parameters_in_every_location(petstore: ApiSpec) -> None:
    list_pets = operation(petstore, "GET /pets")
    assert [(p.name, p.location, p.example) for p in list_pets.parameters] == [
        ("limit", ParamLocation.QUERY, 1),
        ("X-Request-ID", ParamLocation.HEADER, "3fa85f64-5717-4562-b3fc-2c963f66afa6"),
        ("session", ParamLocation.COOKIE, "abc123"),
    ]  # the Accept header parameter is ignored, as OpenAPI requires
    assert list_pets.summary == "List all pets" and list_pets.tags == ("pets",)


def test_operation_parameter_overrides_path_level(petstore: ApiSpec) -> None:
    show = operation(petstore, "GET /pets/{petId}")
    pet_id, verbose = show.parameters
    assert pet_id.name == "petId" and pet_id.location is ParamLocation.PATH and pet_id.required
    assert pet_id.schema == {"type": "string", "format": "uuid"}
    assert verbose.required is True and verbose.example is False  # schema default
    assert operation(petstore, "PUT /pets/{petId}").parameters[1].required is False


def test_request_bodies(petstore: ApiSpec) -> None:
    create = operation(petstore, "POST /pets").request_body
    assert create is not None and create.required
    assert create.content_type == "application/json"
    assert create.example == {"name": "Fido", "kind": "dog"}  # media-type example
    replace = operation(petstore, "PUT /pets/{petId}").request_body
    assert replace is not None
    assert replace.content_type == "application/x-www-form-urlencoded"  # form over XML
    assert replace.example == {"name": "string"}
    patch = operation(petstore, "PATCH /pets/{petId}").request_body
    assert patch is not None and not patch.required
    assert patch.content_type == "application/merge-patch+json"
    assert patch.example == {"name": "Max"}  # from a $ref'd Example Object


def test_responses_and_allof_examples(petstore: ApiSpec) -> None:
    list_pets = operation(petstore, "GET /pets")
    assert set(list_pets.responses) == {"200", "default"}
    assert list_pets.responses["default"]["required"] == ["code", "message"]
    create = operation(petstore, "POST /pets")
    assert set(create.responses) == {"201"}  # an int YAML key comes back as a string
    show = operation(petstore, "GET /pets/{petId}")
    assert "allOf" in show.responses["200"]  # application/hal+json counts as JSON
    assert operation(petstore, "GET /pets/{petId}/photo").responses == {}  # image/png only


def test_security(petstore: ApiSpec) -> None:
    assert operation(petstore, "GET /pets").security == ({"bearerAuth": ()},)
    assert operation(petstore, "POST /pets").security == (
        {"bearerAuth": ("pets:write",)},
        {"apiKeyQuery": ()},
    )
    delete = operation(petstore, "DELETE /pets/{petId}")
    assert delete.security == () and delete.declared_public and delete.deprecated
    schemes = petstore.security_schemes
    bearer = schemes["bearerAuth"]
    assert (bearer.type, bearer.scheme, bearer.bearer_format) == ("http", "bearer", "JWT")
    assert (schemes["apiKeyCookie"].location, schemes["apiKeyCookie"].param_name) == (
        "cookie",
        "SESSION",
    )
    assert (
        schemes["oauth"].flows["clientCredentials"]["tokenUrl"] == "https://auth.example.com/token"
    )
    assert schemes["oidc"].openid_connect_url.endswith("/.well-known/openid-configuration")  # type: ignore[union-attr]
    assert (schemes["shared"].type, schemes["shared"].scheme) == ("http", "basic")  # via $ref


def test_no_security_anywhere_is_none(modern: ApiSpec) -> None:
    assert all(op.security is None for op in modern.operations)
    assert not any(op.declared_public for op in modern.operations)  # the spec says nothing
    assert modern.servers == ("/",)  # OpenAPI: no servers means a single server "/"


def test_type_lists_and_content_parameters(modern: ApiSpec) -> None:
    get_item = operation(modern, "GET /items/{item_id}")
    item_id, fields = get_item.parameters  # the Authorization header parameter is ignored
    assert item_id.schema == {"type": ["integer", "null"], "minimum": 10}
    assert item_id.example == 10
    assert fields.schema["uniqueItems"] is True
    jsonschema.Draft202012Validator(fields.schema).validate(fields.example)
    assert [op.operation_id for op in modern.operations] == ["getItem", "upsertItem"]  # no webhooks


def test_ref_siblings_apply_in_31(modern: ApiSpec) -> None:
    get_item = operation(modern, "GET /items/{item_id}")
    ok = get_item.responses["200"]
    assert ok["description"] == "the item, described at the use site"
    assert ok["properties"]["name"]["type"] == ["string", "null"]
    assert get_item.responses["404"]["properties"] == {"detail": {"type": "string"}}
    body = operation(modern, "POST /items/{item_id}").request_body
    assert body is not None
    # `properties` beside the $ref overlaps the target's: both must hold, so allOf.
    assert body.schema["allOf"][1]["required"] == ["name", "price"]
    jsonschema.Draft202012Validator(body.schema).validate(body.example)
    assert body.example["price"] > 0


def test_ref_siblings_ignored_in_30() -> None:
    document = {
        "openapi": "3.0.3",
        "paths": {
            "/x": {
                "get": {
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "schema": {"$ref": "#/components/schemas/S", "maxLength": 1},
                        }
                    ]
                }
            }
        },
        "components": {"schemas": {"S": {"type": "string", "minLength": 3}}},
    }
    (parameter,) = parse_spec(document, source="mem").operations[0].parameters
    assert parameter.schema == {"type": "string", "minLength": 3}


def test_31_document_without_paths() -> None:
    spec = parse_spec({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}}, source="mem")
    assert spec.operations == ()


def test_32_query_method() -> None:
    document = {"openapi": "3.2.0", "paths": {"/search": {"query": {}, "get": {}}}}
    spec = parse_spec(document, source="mem")
    assert [op.key for op in spec.operations] == ["QUERY /search", "GET /search"]


def test_security_omitted_where_the_rest_declare_it_is_public_by_omission() -> None:
    """FastAPI and most generators omit `security` exactly on routes that take no credential:
    with no root requirement, such an operation is documented as needing none, unlike an
    operation whose authentication is only optional."""
    bearer = [{"bearer": []}]
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/me": {"get": {"security": bearer, "responses": {"200": {"description": "ok"}}}},
            "/authors/{name}": {"get": {"responses": {"200": {"description": "ok"}}}},
            "/feed": {
                "get": {"security": [*bearer, {}], "responses": {"200": {"description": "ok"}}}
            },
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
    spec = parse_spec(document, source="inline")
    author, feed, me = (operation(spec, k) for k in ("GET /authors/{name}", "GET /feed", "GET /me"))
    assert author.public_by_omission and author.declared_public and author.needs_no_credential
    assert feed.declared_public and not feed.needs_no_credential  # optional, not none
    assert not me.declared_public
