"""What an operation is, read from the spec alone: privileged-looking, identity-bearing, matched
by a `METHOD /path` pattern. Pure; shared by the planner, the engine and the checks, so none of
them needs to import another for it.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence

from authsift.model import Operation, ParamLocation

REPRESENTATIVE_LIMIT = 3
_IDENTITY_PATH = re.compile(r"/(me|self|whoami|profile|account|user|userinfo|session)(/|$)", re.I)
_ADMIN_HINT = re.compile(r"(^|/)(admin|internal|manage|management|staff)(/|$)", re.I)


def operation_matches(pattern: str, method: str, path: str) -> bool:
    """`GET /admin/*`, `* /internal/*`, or a bare path glob (any method)."""
    pattern = pattern.strip()
    if " " in pattern:
        want_method, want_path = pattern.split(None, 1)
    else:
        want_method, want_path = "*", pattern
    if want_method != "*" and want_method.upper() != method.upper():
        return False
    return fnmatch.fnmatchcase(path, want_path) or fnmatch.fnmatchcase(
        path.rstrip("/"), want_path.rstrip("/")
    )


def looks_privileged(operation: Operation) -> bool:
    tags = {t.lower() for t in operation.tags}
    return bool(tags & {"admin", "internal", "management"}) or bool(
        _ADMIN_HINT.search(operation.path)
    )


def representative_operations(
    operations: Sequence[Operation], limit: int = REPRESENTATIVE_LIMIT
) -> list[Operation]:
    """Identity-bearing, read-only, parameter-free operations, `/me`-like first.

    Token-level checks probe these instead of every operation: one finding per API, a bounded
    request count, and answers that carry the caller's own markers.
    """
    candidates = [
        op
        for op in operations
        if op.method == "GET"
        and op.undocumented is None  # discovered, not described: never a token-level probe
        and not op.declared_public
        and not looks_privileged(op)
        and not any(p.location is ParamLocation.PATH for p in op.parameters)
        and not any(p.required and p.example is None for p in op.parameters)
    ]
    candidates.sort(
        key=lambda op: (not _IDENTITY_PATH.search(op.path), op.path.count("/"), op.path)
    )
    return candidates[:limit]
