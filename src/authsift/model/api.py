"""The API description the scan works from: operations, parameters, security schemes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class ParamLocation(enum.StrEnum):
    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: ParamLocation
    required: bool = False
    schema: dict[str, Any] = field(default_factory=dict)
    example: Any = None  # an example, the default, or a minimal valid value generated from schema


@dataclass(frozen=True, slots=True)
class RequestBody:
    content_type: str  # e.g. application/json, application/x-www-form-urlencoded
    schema: dict[str, Any] = field(default_factory=dict)
    example: Any = None  # an example, the default, or a minimal valid value generated from schema
    required: bool = False


@dataclass(frozen=True, slots=True)
class Operation:
    """One method + path template of the API, with everything needed to build a valid request.

    `security` is the effective requirement list after inheritance from the document root:
    `None` means the spec says nothing, `()` means it is explicitly public (`security: []`),
    otherwise a tuple of alternatives, each mapping scheme name → required scopes.
    """

    method: str  # upper case
    path: str  # the template as in the spec, e.g. /users/{user_id}
    operation_id: str | None = None
    summary: str = ""
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    request_body: RequestBody | None = None
    security: tuple[dict[str, tuple[str, ...]], ...] | None = None
    responses: dict[str, dict[str, Any]] = field(default_factory=dict)  # status → JSON schema
    deprecated: bool = False
    public_by_omission: bool = False  # no `security` where other operations declare it (FastAPI)
    # Not in the spec: found by unlisted-endpoint discovery (engine/discovery.py) and offered to
    # the checks like a documented operation; its kind ("debug", "admin", "ops", "derived")
    undocumented: str | None = None

    @property
    def key(self) -> str:
        """`GET /users/{id}`: the name used in reports, config filters and fingerprints."""
        return f"{self.method} {self.path}"

    @property
    def is_read_only(self) -> bool:
        return self.method in READ_ONLY_METHODS

    @property
    def declared_public(self) -> bool:
        """OpenAPI `security: []` (or an empty alternative `{}`) makes authentication optional;
        so does leaving `security` out where the rest of the spec declares it."""
        return self.needs_no_credential or any(len(alt) == 0 for alt in self.security or ())

    @property
    def needs_no_credential(self) -> bool:
        """The spec says no authentication at all (`security: []`, or omitted as above), which is
        more than "optional" (`[{bearer: []}, {}]`): then anyone may read what it returns."""
        return self.public_by_omission or self.security == ()


READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    name: str
    type: str  # apiKey | http | oauth2 | openIdConnect | mutualTLS
    scheme: str | None = None  # for http: bearer, basic
    location: str | None = None  # for apiKey: header, query, cookie
    param_name: str | None = None  # for apiKey
    bearer_format: str | None = None
    flows: dict[str, Any] = field(default_factory=dict)
    openid_connect_url: str | None = None


@dataclass(frozen=True, slots=True)
class ApiSpec:
    title: str
    version: str
    openapi_version: str  # "2.0", "3.0.3", "3.1.0"
    source: str  # file path or URL the spec came from
    servers: tuple[str, ...] = ()
    operations: tuple[Operation, ...] = ()
    security_schemes: dict[str, SecurityScheme] = field(default_factory=dict)
