"""OpenAPI 3.0 / 3.1 / 3.2 documents → ApiSpec.

Only what a scan needs is read: operations with their parameters, bodies, JSON response schemas
and security; servers; security schemes. Webhooks and callbacks are requests the API *sends*, so
they are not operations to probe and are skipped.
"""

from __future__ import annotations

import re
from typing import Any

from authsift.model import ApiSpec, Operation, Parameter, ParamLocation, RequestBody
from authsift.spec.common import (
    HTTP_METHODS,
    IGNORED_HEADER_PARAMETERS,
    SecurityRequirements,
    build_parameter,
    effective_security,
    first_example,
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
from authsift.spec.security import openapi3_schemes

_LOCATIONS = {location.value: location for location in ParamLocation}
_SERVER_VARIABLE = re.compile(r"\{([^{}]+)\}")


class OpenApi3Parser:
    def __init__(self, document: dict[str, Any], resolver: Resolver, version: str) -> None:
        self.document = document
        self.resolver = resolver
        self.schemas = SchemaInliner(resolver, ref_siblings_apply=resolver.ref_siblings_apply)
        self.version = version
        self.root = resolver.root
        # OpenAPI 3.2 adds the QUERY method (a safe request with a body) to the Path Item.
        self.methods = (*HTTP_METHODS, "query") if version.startswith("3.2") else HTTP_METHODS

    def parse(self, *, title: str, api_version: str) -> ApiSpec:
        root_security: SecurityRequirements | None = None
        if "security" in self.document:
            root_security = security_requirements(
                self.document["security"], self.root.child("security")
            )
        return ApiSpec(
            title=title,
            version=api_version,
            openapi_version=self.version,
            source=self.root.document,
            servers=self._servers(),
            operations=mark_public_by_omission(self._operations(root_security)),
            security_schemes=openapi3_schemes(self.document, self.resolver),
        )

    def _servers(self) -> tuple[str, ...]:
        """Server URLs with `{variables}` replaced by their defaults.

        OpenAPI 3.1 §4.8.1.1: "If the servers field is not provided, or is an empty array, the
        default value would be an array consisting of a single Server Object with a url value
        of /."
        """
        raw = self.document.get("servers")
        at = self.root.child("servers")
        if not raw:
            return ("/",)
        urls: list[str] = []
        for index, server in enumerate(require_list(raw, at, "servers")):
            where = at.child(index)
            server = require_mapping(server, where, "a server")
            url = optional_text(server, "url", where)
            if url is None:
                raise where.error("missing 'url'")
            variables = server.get("variables") or {}
            require_mapping(variables, where.child("variables"), "variables")

            def default_of(match: re.Match[str], variables: dict[str, Any] = variables) -> str:
                variable = variables.get(match.group(1))
                if isinstance(variable, dict) and "default" in variable:
                    return str(variable["default"])
                return match.group(0)

            urls.append(_SERVER_VARIABLE.sub(default_of, url))
        return tuple(urls)

    # ------------------------------------------------------------------ operations

    def _operations(self, root_security: SecurityRequirements | None) -> list[Operation]:
        raw_paths = self.document.get("paths")
        at = self.root.child("paths")
        if raw_paths is None:
            if self.version.startswith("3.0"):
                raise self.root.error("missing 'paths'")
            return []  # 3.1 §4.8.1: a document may hold only components or webhooks
        operations: list[Operation] = []
        for template, raw_item in require_mapping(raw_paths, at, "paths").items():
            if template.startswith("x-"):
                continue
            if not template.startswith("/"):
                raise at.child(template).error("a path must begin with '/'")
            item, item_at = self.resolver.deref(raw_item, at.child(template))
            item = require_mapping(item, item_at, "a path item")
            shared = self._parameters(item.get("parameters"), item_at.child("parameters"))
            for method, raw_operation in item.items():
                if method not in self.methods:
                    continue
                where = item_at.child(method)
                operation = require_mapping(raw_operation, where, "an operation")
                own = self._parameters(operation.get("parameters"), where.child("parameters"))
                operations.append(
                    self._operation(
                        template,
                        method,
                        operation,
                        where,
                        merge_parameters(shared, own),
                        root_security,
                    )
                )
        return operations

    def _operation(
        self,
        template: str,
        method: str,
        operation: dict[str, Any],
        at: Location,
        parameters: list[Parameter],
        root_security: SecurityRequirements | None,
    ) -> Operation:
        body = None
        if "requestBody" in operation:
            body = self._request_body(operation["requestBody"], at.child("requestBody"))
        return Operation(
            method=method.upper(),
            path=template,
            operation_id=optional_text(operation, "operationId", at),
            summary=optional_text(operation, "summary", at) or "",
            tags=string_tuple(operation.get("tags"), at.child("tags"), "tags"),
            parameters=tuple(parameters),
            request_body=body,
            security=effective_security(operation, root_security, at),
            responses=self._responses(operation.get("responses"), at.child("responses")),
            deprecated=operation.get("deprecated") is True,
        )

    def _parameters(self, raw: Any, at: Location) -> list[tuple[tuple[str, str], Parameter]]:
        if raw is None:
            return []
        result: list[tuple[tuple[str, str], Parameter]] = []
        for index, entry in enumerate(require_list(raw, at, "parameters")):
            node, where = self.resolver.deref(entry, at.child(index))
            node = require_mapping(node, where, "a parameter")
            name, location = parameter_identity(node, where)
            if location not in _LOCATIONS:
                raise where.child("in").error(
                    f"'in' must be one of path, query, header, cookie; got {location!r}"
                )
            if location == "header" and name.lower() in IGNORED_HEADER_PARAMETERS:
                continue
            schema, example = self._schema_and_example(node, where)
            parameter = build_parameter(
                name, _LOCATIONS[location], node.get("required") is True, schema, example
            )
            result.append(((name, location), parameter))
        return result

    def _schema_and_example(self, node: dict[str, Any], at: Location) -> tuple[dict[str, Any], Any]:
        """A parameter has `schema` or (3.x §4.8.12.3) a single-entry `content` map instead."""
        example = first_example(self._with_resolved_examples(node, at))
        if "schema" in node:
            return self._schema(node["schema"], at.child("schema")), example
        content = node.get("content")
        if isinstance(content, dict) and content:
            media_type = next(iter(content))
            media = require_mapping(content[media_type], at.child("content", media_type), "media")
            media_at = at.child("content", media_type)
            if example is None:
                example = first_example(self._with_resolved_examples(media, media_at))
            return self._schema(media.get("schema", {}), media_at.child("schema")), example
        return {}, example

    def _request_body(self, raw: Any, at: Location) -> RequestBody | None:
        node, where = self.resolver.deref(raw, at)
        node = require_mapping(node, where, "a request body")
        content = require_mapping(node.get("content", {}), where.child("content"), "content")
        media_type = pick_media_type(content)
        if media_type is None:
            return None
        media_at = where.child("content", media_type)
        media = require_mapping(content[media_type] or {}, media_at, "a media type")
        schema = self._schema(media.get("schema", {}), media_at.child("schema"))
        example = first_example(self._with_resolved_examples(media, media_at))
        return RequestBody(
            content_type=media_type,
            schema=schema,
            example=example if example is not None else example_value(schema),
            required=node.get("required") is True,
        )

    def _responses(self, raw: Any, at: Location) -> dict[str, dict[str, Any]]:
        """Status → schema of the JSON body; responses without a JSON body are left out."""
        if raw is None:
            return {}
        schemas: dict[str, dict[str, Any]] = {}
        for status, entry in require_mapping(raw, at, "responses").items():
            if status.startswith("x-"):
                continue
            node, where = self.resolver.deref(entry, at.child(status))
            node = require_mapping(node, where, "a response")
            content = node.get("content")
            if not isinstance(content, dict):
                continue
            json_types = [media_type for media_type in content if is_json_media_type(media_type)]
            if not json_types:
                continue
            media_type = pick_media_type(json_types) or json_types[0]
            media = content[media_type]
            if isinstance(media, dict) and "schema" in media:
                schema_at = where.child("content", media_type, "schema")
                schemas[status] = self._schema(media["schema"], schema_at)
        return schemas

    def _schema(self, raw: Any, at: Location) -> dict[str, Any]:
        schema = self.schemas.inline(raw, at)
        if isinstance(schema, bool):  # 3.1 boolean schemas: `true` accepts anything
            return {} if schema else {"not": {}}
        return require_mapping(schema, at, "a schema")

    def _with_resolved_examples(self, node: dict[str, Any], at: Location) -> dict[str, Any]:
        examples = node.get("examples")
        if not isinstance(examples, dict):
            return node
        resolved = {
            name: self.resolver.deref(entry, at.child("examples", name))[0]
            for name, entry in examples.items()
        }
        return {**node, "examples": resolved}
