"""The candidates of unlisted-endpoint discovery: bounded, GET-only paths, never documented GETs
or framework documentation, and the bundled list well-formed (pure, no HTTP)."""

from __future__ import annotations

import pytest

from authsift.model import Operation
from authsift.spec.unlisted import (
    CuratedListError,
    candidates,
    curated,
    estimate_discovery,
    is_framework_default,
    mount_prefix,
    parse_curated,
)


def _ops(*keys: str) -> list[Operation]:
    return [Operation(k.split()[0], k.split()[1]) for k in keys]


API = _ops(
    "GET /api/v2/orders",
    "POST /api/v2/orders",
    "GET /api/v2/orders/{id}",
    "POST /api/v2/reports",
    "GET /api/v2/me",
    "GET /api/v2/admin/users",
)


def test_the_bundled_list_is_curated_and_small() -> None:
    entries = curated()
    assert 40 <= len(entries) <= 100
    assert {e.kind for e in entries} <= {"debug", "admin", "ops"}
    paths = [e.path for e in entries]
    assert len(paths) == len(set(paths))
    assert "/actuator/env" in paths and "/.env" in paths and "/server-status" in paths
    assert not any(is_framework_default(p) for p in paths)


def test_spec_derived_candidates() -> None:
    found = {c.path: c for c in candidates(API)}
    assert mount_prefix(API) == "/api/v2"
    assert "/api/v2/reports" in found  # documented only as POST: GET is tried
    assert "/api/v2/orders/export" in found and "/api/v2/orders/_debug" in found
    assert "/api/v2/actuator/env" in found  # curated, under the API's mount prefix
    assert "/api/v2/orders" not in found and "/api/v2/me" not in found  # documented GETs
    assert not any(is_framework_default(p) for p in found)
    assert all(p.startswith("/") for p in found)
    assert len(found) + 2 <= estimate_discovery(API) <= 300


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/api/docs", "/healthz"])
def test_documentation_and_health_defaults_are_never_candidates(path: str) -> None:
    assert is_framework_default(path)


def test_a_malformed_list_is_one_clear_error() -> None:
    assert [c.path for c in parse_curated("# c\n/a  debug  # why\n\n/b admin\n")] == ["/a", "/b"]
    with pytest.raises(CuratedListError, match="line 2"):
        parse_curated("/a debug\n/b nonsense\n")
