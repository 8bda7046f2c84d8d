"""Fixes applied to every parsed spec, whatever its version, before anyone builds a request.

Two things in real specs make naive requests wrong:

* An API key documented twice — as a security scheme *and* as an ordinary parameter. Sending the
  parameter's example would put a junk credential next to (or instead of) the identity's real
  one, so such parameters are dropped: credentials are the identity's business, not the spec's.
* A path template variable with no parameter declared for it (`/users/{id}` and no `id`). The
  specs require one (OpenAPI 3.1 §4.8.12.1: "If in is "path", the name field MUST correspond to a
  template expression occurring within the path field"), but generators forget; an undeclared
  variable gets a string parameter with example "1" (the usual first id) rather than leaving
  `{id}` in the URL.
"""

from __future__ import annotations

import dataclasses
import logging
import re

from authsift.model import ApiSpec, Operation, Parameter, ParamLocation, SecurityScheme

logger = logging.getLogger(__name__)

_TEMPLATE_VARIABLE = re.compile(r"\{([^{}/]+)\}")


def complete(spec: ApiSpec) -> ApiSpec:
    credentials = _credential_parameters(spec.security_schemes)
    operations = tuple(_complete_operation(op, credentials) for op in spec.operations)
    return dataclasses.replace(spec, operations=operations)


def _credential_parameters(schemes: dict[str, SecurityScheme]) -> set[tuple[str, str]]:
    """(location, name) of every API-key credential; header names fold case (RFC 9110 §5.1)."""
    keys: set[tuple[str, str]] = set()
    for scheme in schemes.values():
        if scheme.type == "apiKey" and scheme.location and scheme.param_name:
            keys.add(_parameter_key(scheme.location, scheme.param_name))
    return keys


def _parameter_key(location: str, name: str) -> tuple[str, str]:
    return (location, name.lower() if location == ParamLocation.HEADER.value else name)


def _complete_operation(operation: Operation, credentials: set[tuple[str, str]]) -> Operation:
    parameters = [
        parameter
        for parameter in operation.parameters
        if _parameter_key(parameter.location.value, parameter.name) not in credentials
    ]
    declared = {p.name for p in parameters if p.location is ParamLocation.PATH}
    for name in _TEMPLATE_VARIABLE.findall(operation.path):
        if name not in declared:
            logger.debug(
                "%s: path variable {%s} is not declared; assuming a string", operation.key, name
            )
            parameters.append(
                Parameter(
                    name, ParamLocation.PATH, required=True, schema={"type": "string"}, example="1"
                )
            )
            declared.add(name)
    if len(parameters) == len(operation.parameters) and all(
        new is old for new, old in zip(parameters, operation.parameters, strict=True)
    ):
        return operation
    return dataclasses.replace(operation, parameters=tuple(parameters))
