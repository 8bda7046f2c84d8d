"""What OpenAPI 3.x and Swagger 2.0 share: methods, parameters, examples, security requirements.

The two version modules turn their own shapes into these calls, so the rules that matter to a
check (which parameters an operation really has, which credentials it really needs) are written
once.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from authsift.model import Operation, Parameter, ParamLocation
from authsift.spec.errors import Location
from authsift.spec.examples import example_value

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
"""The fixed fields of a Path Item that are operations (OpenAPI 3.0/3.1 §4.7.9, Swagger 2.0)."""

IGNORED_HEADER_PARAMETERS = frozenset({"accept", "content-type", "authorization"})
"""OpenAPI 3.1 §4.8.12.1: 'If in is "header" and the name field is "Accept", "Content-Type" or
"Authorization", the parameter definition SHALL be ignored.' Content negotiation follows from
the media types and the credential from the identity. Applied to Swagger 2.0 too: a 2.0
`Authorization` parameter's example sent as a header would replace the identity's token."""

SecurityRequirements = tuple[dict[str, tuple[str, ...]], ...]


def require_mapping(node: Any, at: Location, what: str) -> dict[str, Any]:
    if not isinstance(node, dict):
        raise at.error(f"{what} must be a mapping, got {_kind(node)}")
    return node


def require_list(node: Any, at: Location, what: str) -> list[Any]:
    if not isinstance(node, list):
        raise at.error(f"{what} must be a list, got {_kind(node)}")
    return node


def optional_text(node: Mapping[str, Any], key: str, at: Location) -> str | None:
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise at.child(key).error(f"{key!r} must be a string, got {_kind(value)}")
    return value


def _kind(node: Any) -> str:
    if node is None:
        return "null"
    if isinstance(node, bool):
        return "a boolean"
    if isinstance(node, list):
        return "a list"
    if isinstance(node, str):
        return "a string"
    if isinstance(node, int | float):
        return "a number"
    return type(node).__name__


def parameter_identity(raw: Mapping[str, Any], at: Location) -> tuple[str, str]:
    """`(name, in)`: the pair that identifies a parameter; both are REQUIRED in every version."""
    for key in ("name", "in"):
        if key not in raw:
            raise at.error(f"missing {key!r}")
        if not isinstance(raw[key], str) or not raw[key]:
            raise at.child(key).error(f"{key!r} must be a non-empty string")
    return raw["name"], raw["in"]


def merge_parameters(
    path_level: Iterable[tuple[tuple[str, str], Any]],
    operation_level: Iterable[tuple[tuple[str, str], Any]],
) -> list[Any]:
    """Path-item parameters overridden by the operation's, keyed by name and location.

    OpenAPI 3.1 §4.8.10.1 (and 3.0, 2.0 alike): "If a parameter is already defined at the Path
    Item, the new definition will override it but can never remove it. [...] A unique parameter
    is defined by a combination of a name and location."
    """
    merged: dict[tuple[str, str], Any] = dict(path_level)
    merged.update(operation_level)
    return list(merged.values())


def build_parameter(
    name: str, location: ParamLocation, required: bool, schema: dict[str, Any], example: Any
) -> Parameter:
    """A Parameter with a usable example: the spec's own, else one generated from the schema.

    OpenAPI 3.1 §4.8.12.1: "If the parameter location is "path", this field is REQUIRED and its
    value MUST be true" — a path parameter is required whatever the spec forgot to say.
    """
    if example is None:
        example = example_value(schema)
    return Parameter(
        name=name,
        location=location,
        required=required or location is ParamLocation.PATH,
        schema=schema,
        example=example,
    )


def first_example(node: Mapping[str, Any]) -> Any:
    """`example`, else the first `examples` entry's `value` (3.x maps of Example Objects).

    The caller dereferences Example Objects first; an entry with only `externalValue` is skipped
    because fetching it would be network access the loader never does.
    """
    if node.get("example") is not None:
        return copy.deepcopy(node["example"])
    examples = node.get("examples")
    if isinstance(examples, dict):
        for example_object in examples.values():
            if isinstance(example_object, dict) and example_object.get("value") is not None:
                return copy.deepcopy(example_object["value"])
    return None


def pick_media_type(media_types: Iterable[str]) -> str | None:
    """JSON first (what checks compare best), then the two form encodings, then the first listed.

    Parameters such as `; charset=utf-8` and letter case do not matter (RFC 9110 §8.3.1: "The
    type and subtype tokens are case-insensitive").
    """
    candidates = list(media_types)
    if not candidates:
        return None
    return min(candidates, key=_media_rank)  # min() keeps the first of equal ranks


def _media_rank(media_type: str) -> int:
    essence = media_type.split(";")[0].strip().lower()
    if essence == "application/json":
        return 0
    if essence.endswith("+json") or essence.endswith("/json"):
        return 1
    if essence == "application/x-www-form-urlencoded":
        return 2
    if essence == "multipart/form-data":
        return 3
    return 4


def is_json_media_type(media_type: str) -> bool:
    essence = media_type.split(";")[0].strip().lower()
    return essence.endswith("/json") or essence.endswith("+json") or essence == "*/*"


def security_requirements(node: Any, at: Location) -> SecurityRequirements:
    """A Security Requirement list as a tuple of {scheme name: scopes} alternatives.

    OpenAPI 3.1 §4.8.30: "Only one of the Security Requirement Objects in the list needs to be
    satisfied"; "To make security optional, an empty security requirement ({}) can be included".
    An empty list is kept as `()`: the operation is declared public.
    """
    alternatives = require_list(node, at, "security")
    result: list[dict[str, tuple[str, ...]]] = []
    for index, alternative in enumerate(alternatives):
        where = at.child(index)
        mapping = require_mapping(alternative, where, "a security requirement")
        requirement: dict[str, tuple[str, ...]] = {}
        for scheme_name, scopes in mapping.items():
            scope_list = require_list(scopes, where.child(scheme_name), "scopes")
            requirement[scheme_name] = tuple(str(scope) for scope in scope_list)
        result.append(requirement)
    return tuple(result)


def effective_security(
    operation: Mapping[str, Any], root_security: SecurityRequirements | None, at: Location
) -> SecurityRequirements | None:
    """The operation's own `security` if present, else the document's.

    OpenAPI 3.1 §4.8.10.1 (security): "This definition overrides any declared top-level security.
    To remove a top-level security declaration, an empty array can be used."
    """
    if "security" in operation:
        return security_requirements(operation["security"], at.child("security"))
    return root_security


def string_tuple(node: Any, at: Location, what: str) -> tuple[str, ...]:
    if node is None:
        return ()
    items = require_list(node, at, what)
    return tuple(str(item) for item in items)


def mark_public_by_omission(operations: Sequence[Operation]) -> tuple[Operation, ...]:
    """Operations without any requirement in a spec whose other operations declare theirs are
    documented as public by omission (`Operation.public_by_omission`)."""
    if not any(op.security for op in operations):
        return tuple(operations)
    return tuple(
        replace(op, public_by_omission=True) if op.security is None else op for op in operations
    )
