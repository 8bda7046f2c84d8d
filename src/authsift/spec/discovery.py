"""Where APIs usually publish their description, for when the config names no `spec`.

Ordered by how often each path answers in the wild: the framework defaults first (FastAPI
`/openapi.json`, springdoc `/v3/api-docs`, springfox `/v2/api-docs`, drf-spectacular
`/api/schema/`, Swashbuckle `/swagger/v1/swagger.json`), then the common hand-made places. The
engine fetches them in this order and hands the first parseable body to `load_spec_bytes`.
"""

from __future__ import annotations

SPEC_DISCOVERY_PATHS: tuple[str, ...] = (
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
    "/openapi.yml",
    "/swagger.yml",
    "/swagger/v1/swagger.json",
    "/api/swagger.json",
    "/api/v1/openapi.json",
    "/api/v1/swagger.json",
    "/api/docs/openapi.json",
    "/api-docs/swagger.json",
    "/v1/openapi.json",
    "/openapi/v1.json",
    "/.well-known/openapi.json",
    "/api/openapi.yaml",
    "/docs/swagger.json",
    "/swagger/docs/v1",
)
