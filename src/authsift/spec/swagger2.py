"""Swagger 2.0 documents → ApiSpec, in the same shapes the 3.x parser produces.

Swagger 2.0 has no request-body object: the body is a parameter (`in: body`) or a set of
`in: formData` parameters. Both become a RequestBody here, with the content type chosen from
`consumes`, so checks see one model whatever the spec version.
"""

from __future__ import annotations

from typing import Any

from authsift.model import ApiSpec, Operation, ParamLocation, RequestBody
from authsift.spec.common import (
    HTTP_METHODS,
    IGNORED_HEADER_PARAMETERS,
    SecurityRequirements,
    build_parameter,
    effective_security,
    is_json_media_type,
    mark_public_by_omission,
    merge_parameters,
    optional_text,
    parameter_identity,
    pick_media_type,
    require_list,
    require_mapping,
    security_requirements,
    string_tuple,
)
from authsift.spec.errors import Location
from authsift.spec.examples import example_value
from authsift.spec.inline import SchemaInliner
from authsift.spec.refs import Resolver
from authsift.spec.security import swagger2_schemes

_SIMPLE_LOCATIONS = {
    "path": ParamLocation.PATH,
    "query": ParamLocation.QUERY,
    "header": ParamLocation.HEADER,
}
_ALL_LOCATIONS = ("path", "query", "header", "body", "formData")
# Swagger 2.0 §Parameter Object: the JSON-Schema subset a non-body parameter carries inline.
_SCHEMA_KEYS = (
    "type", "format", "items", "default", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "enum", "multipleOf",
)  # fmt: skip


class Swagger2Parser:
    def __init__(self, document: dict[str, Any], resolver: Resolver) -> None:
        self.document = document
        self.resolver = resolver
        self.schemas = SchemaInliner(resolver, ref_siblings_apply=resolver.ref_siblings_apply)
        self.root = resolver.root
        self.consumes = string_tuple(
            document.get("consumes"), self.root.child("consumes"), "consumes"
        )
        self.produces = string_tuple(
            document.get("produces"), self.root.child("produces"), "produces"
        )

    def parse(self, *, title: str, api_version: str) -> ApiSpec:
        root_security: SecurityRequirements | None = None
        if "security" in self.document:
            root_security = security_requirements(
                self.document["security"], self.root.child("security")
            )
        return ApiSpec(
            title=title,
            version=api_version,
            openapi_version="2.0",
            source=self.root.document,
            servers=self._servers(),
            operations=mark_public_by_omission(self._operations(root_security)),
            security_schemes=swagger2_schemes(self.document, self.resolver),
        )

    def _servers(self) -> tuple[str, ...]:
        """`schemes` × `host` + `basePath`.

        Swagger 2.0: "If the host is not included, the host serving the documentation is to be
        used" and "If the schemes is not included, the default scheme to be used is the one used
        to access the Swagger definition itself" — both unknown here, so the server is then the
        bare base path or a scheme-relative `//host/base` for the engine to join to the target.
        """
        base_path = optional_text(self.document, "basePath", self.root) or "/"
        host = optional_text(self.document, "host", self.root)
        if host is None:
            return (base_path,)
        schemes = string_tuple(self.document.get("schemes"), self.root.child("schemes"), "schemes")
        if not schemes:
            return (f"//{host}{base_path}",)
        return tuple(f"{scheme}://{host}{base_path}" for scheme in schemes)

    def _operations(self, root_security: SecurityRequirements | None) -> list[Operation]:
        at = self.root.child("paths")
        if "paths" not in self.document:
            raise self.root.error("missing 'paths'")
        operations: list[Operation] = []
        for template, raw_item in require_mapping(self.document["paths"], at, "paths").items():
            if template.startswith("x-"):
                continue
            if not template.startswith("/"):
                raise at.child(template).error("a path must begin with '/'")
            item, item_at = self.resolver.deref(raw_item, at.child(template))
            item = require_mapping(item, item_at, "a path item")
            shared = self._raw_parameters(item.get("parameters"), item_at.child("parameters"))
            for method, raw_operation in item.items():
                if method not in HTTP_METHODS:
                    continue
                where = item_at.child(method)
                operation = require_mapping(raw_operation, where, "an operation")
                own = self._raw_parameters(operation.get("parameters"), where.child("parameters"))
                merged = merge_parameters(shared, own)
                operations.append(
                    self._operation(template, method, operation, where, merged, root_security)
                )
        return operations

    def _raw_parameters(
        self, raw: Any, at: Location
    ) -> list[tuple[tuple[str, str], tuple[dict[str, Any], Location]]]:
        if raw is None:
            return []
        result = []
        for index, entry in enumerate(require_list(raw, at, "parameters")):
            node, where = self.resolver.deref(entry, at.child(index))
            node = require_mapping(node, where, "a parameter")
            name, location = parameter_identity(node, where)
            if location not in _ALL_LOCATIONS:
                raise where.child("in").error(
                    f"'in' must be one of {', '.join(_ALL_LOCATIONS)}; got {location!r}"
                )
            result.append(((name, location), (node, where)))
        return result

    def _operation(
        self,
        template: str,
        method: str,
        operation: dict[str, Any],
        at: Location,
        raw_parameters: list[tuple[dict[str, Any], Location]],
        root_security: SecurityRequirements | None,
    ) -> Operation:
        consumes = string_tuple(operation.get("consumes"), at.child("consumes"), "consumes")
        produces = string_tuple(operation.get("produces"), at.child("produces"), "produces")
        parameters = []
        body: RequestBody | None = None
        form: list[tuple[dict[str, Any], Location]] = []
        for node, where in raw_parameters:
            if node["in"] == "body":
                body = self._body(node, where, consumes or self.consumes)
            elif node["in"] == "formData":
                form.append((node, where))
            elif node["in"] == "header" and node["name"].lower() in IGNORED_HEADER_PARAMETERS:
                continue
            else:
                schema = self._simple_schema(node, where)
                parameters.append(
                    build_parameter(
                        node["name"], _SIMPLE_LOCATIONS[node["in"]], node.get("required") is True,
                        schema, node.get("x-example"),
                    )
                )  # fmt: skip
        if form:
            body = self._form_body(form, consumes or self.consumes)
        return Operation(
            method=method.upper(),
            path=template,
            operation_id=optional_text(operation, "operationId", at),
            summary=optional_text(operation, "summary", at) or "",
            tags=string_tuple(operation.get("tags"), at.child("tags"), "tags"),
            parameters=tuple(parameters),
            request_body=body,
            security=effective_security(operation, root_security, at),
            responses=self._responses(operation.get("responses"), at, produces or self.produces),
            deprecated=operation.get("deprecated") is True,
        )

    def _simple_schema(self, node: dict[str, Any], at: Location) -> dict[str, Any]:
        """The inline JSON-Schema subset of a non-body parameter, as a schema of its own.

        `type: file` (formData only) is a file upload; JSON Schema has no such type, so it is a
        binary string, as OpenAPI 3 writes it.
        """
        schema = {key: node[key] for key in _SCHEMA_KEYS if key in node}
        if schema.get("type") == "file":
            schema = {"type": "string", "format": "binary"}
        inlined = self.schemas.inline(schema, at)
        return inlined if isinstance(inlined, dict) else {}

    def _body(self, node: dict[str, Any], at: Location, consumes: tuple[str, ...]) -> RequestBody:
        if "schema" not in node:
            raise at.error("missing 'schema' (required for in: body)")
        schema = self.schemas.inline(node["schema"], at.child("schema"))
        schema = require_mapping(schema, at.child("schema"), "a schema")
        example = node.get("x-example")
        return RequestBody(
            content_type=pick_media_type(consumes) or "application/json",
            schema=schema,
            example=example if example is not None else example_value(schema),
            required=node.get("required") is True,
        )

    def _form_body(
        self, fields: list[tuple[dict[str, Any], Location]], consumes: tuple[str, ...]
    ) -> RequestBody:
        """formData parameters as one object schema, encoded the way `consumes` allows.

        Swagger 2.0: a `file` parameter requires consumes "multipart/form-data",
        "application/x-www-form-urlencoded" or both; multipart is the one that can carry a file.
        """
        properties: dict[str, Any] = {}
        required: list[str] = []
        example: dict[str, Any] = {}
        has_file = False
        for node, where in fields:
            has_file = has_file or node.get("type") == "file"
            schema = self._simple_schema(node, where)
            properties[node["name"]] = schema
            if node.get("required") is True:
                required.append(node["name"])
                explicit = node.get("x-example")
                example[node["name"]] = explicit if explicit is not None else example_value(schema)
        essences = [media_type.split(";")[0].strip().lower() for media_type in consumes]
        urlencoded = "application/x-www-form-urlencoded"
        multipart = has_file or ("multipart/form-data" in essences and urlencoded not in essences)
        form_schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            form_schema["required"] = required
        return RequestBody(
            content_type="multipart/form-data" if multipart else urlencoded,
            schema=form_schema,
            example=example,
            required=bool(required),
        )

    def _responses(
        self, raw: Any, at: Location, produces: tuple[str, ...]
    ) -> dict[str, dict[str, Any]]:
        """Status → response schema, when the operation produces JSON (or does not say)."""
        if raw is None:
            return {}
        if produces and not any(is_json_media_type(media_type) for media_type in produces):
            return {}
        at = at.child("responses")
        schemas: dict[str, dict[str, Any]] = {}
        for status, entry in require_mapping(raw, at, "responses").items():
            if status.startswith("x-"):
                continue
            node, where = self.resolver.deref(entry, at.child(status))
            node = require_mapping(node, where, "a response")
            if "schema" in node:
                schema = self.schemas.inline(node["schema"], where.child("schema"))
                schemas[status] = schema if isinstance(schema, dict) else {}
        return schemas
