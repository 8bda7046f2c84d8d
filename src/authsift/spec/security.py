"""Security schemes of both versions, in OpenAPI 3.x vocabulary.

Checks ask one question ("does this API take an API key in a header? a bearer JWT?"), so Swagger
2.0's `basic` becomes `http`/`basic` and its OAuth2 `flow` names become 3.x `flows` keys here,
and no check has to know which version the spec was.
"""

from __future__ import annotations

from typing import Any

from authsift.model import SecurityScheme
from authsift.spec.common import optional_text, require_mapping
from authsift.spec.errors import Location
from authsift.spec.refs import Resolver

_API_KEY_LOCATIONS = ("header", "query", "cookie")
_SCHEME_TYPES_3 = ("apiKey", "http", "oauth2", "openIdConnect", "mutualTLS")

# Swagger 2.0 §Security Scheme Object `flow` → OpenAPI 3.0 §4.7.26 OAuth Flows Object field.
_SWAGGER2_FLOWS = {
    "implicit": "implicit",
    "password": "password",
    "application": "clientCredentials",
    "accessCode": "authorizationCode",
}


def openapi3_schemes(document: dict[str, Any], resolver: Resolver) -> dict[str, SecurityScheme]:
    components = document.get("components")
    if components is None:
        return {}
    at = resolver.root.child("components")
    components = require_mapping(components, at, "components")
    raw = components.get("securitySchemes")
    if raw is None:
        return {}
    at = at.child("securitySchemes")
    schemes: dict[str, SecurityScheme] = {}
    for name, node in require_mapping(raw, at, "securitySchemes").items():
        scheme, where = resolver.deref(node, at.child(name))
        schemes[name] = _openapi3_scheme(name, require_mapping(scheme, where, "a scheme"), where)
    return schemes


def _openapi3_scheme(name: str, node: dict[str, Any], at: Location) -> SecurityScheme:
    kind = optional_text(node, "type", at)
    if kind not in _SCHEME_TYPES_3:
        raise at.child("type").error(f"type must be one of {', '.join(_SCHEME_TYPES_3)}")
    if kind == "apiKey":
        return _api_key(name, node, at)
    if kind == "http":
        scheme = optional_text(node, "scheme", at)
        if scheme is None:
            raise at.error("missing 'scheme' (required for type http)")
        # RFC 9110 §11.1: "It uses a case-insensitive token to identify the authentication
        # scheme" — `Bearer` and `bearer` are the same scheme.
        return SecurityScheme(
            name=name,
            type="http",
            scheme=scheme.lower(),
            bearer_format=optional_text(node, "bearerFormat", at),
        )
    if kind == "oauth2":
        flows = require_mapping(node.get("flows", {}), at.child("flows"), "flows")
        return SecurityScheme(name=name, type="oauth2", flows=flows)
    if kind == "openIdConnect":
        url = optional_text(node, "openIdConnectUrl", at)
        if url is None:
            raise at.error("missing 'openIdConnectUrl' (required for type openIdConnect)")
        return SecurityScheme(name=name, type="openIdConnect", openid_connect_url=url)
    return SecurityScheme(name=name, type="mutualTLS")


def swagger2_schemes(document: dict[str, Any], resolver: Resolver) -> dict[str, SecurityScheme]:
    raw = document.get("securityDefinitions")
    if raw is None:
        return {}
    at = resolver.root.child("securityDefinitions")
    schemes: dict[str, SecurityScheme] = {}
    for name, node in require_mapping(raw, at, "securityDefinitions").items():
        where = at.child(name)
        definition = require_mapping(node, where, "a security definition")
        kind = optional_text(definition, "type", where)
        if kind == "basic":
            schemes[name] = SecurityScheme(name=name, type="http", scheme="basic")
        elif kind == "apiKey":
            schemes[name] = _api_key(name, definition, where)
        elif kind == "oauth2":
            schemes[name] = SecurityScheme(
                name=name, type="oauth2", flows=_swagger2_flows(definition, where)
            )
        else:
            raise where.child("type").error("type must be one of basic, apiKey, oauth2")
    return schemes


def _api_key(name: str, node: dict[str, Any], at: Location) -> SecurityScheme:
    location = optional_text(node, "in", at)
    if location not in _API_KEY_LOCATIONS:
        raise at.child("in").error("'in' must be one of header, query, cookie")
    param_name = optional_text(node, "name", at)
    if not param_name:
        raise at.error("missing 'name' (required for type apiKey)")
    return SecurityScheme(name=name, type="apiKey", location=location, param_name=param_name)


def _swagger2_flows(node: dict[str, Any], at: Location) -> dict[str, Any]:
    flow = optional_text(node, "flow", at)
    if flow not in _SWAGGER2_FLOWS:
        raise at.child("flow").error(f"flow must be one of {', '.join(_SWAGGER2_FLOWS)}")
    scopes = require_mapping(node.get("scopes") or {}, at.child("scopes"), "scopes")
    converted: dict[str, Any] = {"scopes": dict(scopes)}
    for key in ("authorizationUrl", "tokenUrl"):
        if key in node:
            converted[key] = node[key]
    return {_SWAGGER2_FLOWS[flow]: converted}
