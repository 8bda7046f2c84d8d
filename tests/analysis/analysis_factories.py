"""Builders for the analysis tests: responses as an API would send them."""

from __future__ import annotations

import json
from typing import Any

from authsift.analysis import Baseline, Calibration
from authsift.model import HttpResponse

JSON_HEADERS = (("Content-Type", "application/json"),)
HTML_HEADERS = (("Content-Type", "text/html; charset=utf-8"),)

ALICE = {
    "id": 1042,
    "username": "alice",
    "email": "alice@example.com",
    "name": "Alice Liddell",
    "role": "user",
    "active": True,
    "plan": {"id": 3, "name": "pro"},
    "request_id": "4f8e7c7e-0a55-4d3c-9a67-4a0a0c0d5a11",
    "server_time": "2026-11-28T10:00:00Z",
}
BOB = {
    "id": 1077,
    "username": "bob",
    "email": "bob@example.com",
    "name": "Bob Builder",
    "role": "user",
    "active": True,
    "plan": {"id": 3, "name": "pro"},
    "request_id": "9a1e2b3c-0a55-4d3c-9a67-4a0a0c0d5a22",
    "server_time": "2026-11-28T10:00:01Z",
}
NOT_AUTHENTICATED = {"detail": "Not authenticated"}


def json_response(
    status: int, value: Any, headers: tuple[tuple[str, str], ...] = ()
) -> HttpResponse:
    return HttpResponse(
        status=status, headers=JSON_HEADERS + headers, body=json.dumps(value).encode()
    )


def text_response(status: int, text: str, content_type: str = "text/plain") -> HttpResponse:
    return HttpResponse(
        status=status, headers=(("Content-Type", content_type),), body=text.encode()
    )


def with_changes(value: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**value, **changes}


def profile_baseline(
    *, none: HttpResponse | None = None, junk: HttpResponse | None = None
) -> Baseline:
    """GET /me as alice: two valid answers that differ in request id and clock, 401 otherwise."""
    first = json_response(200, ALICE)
    second = json_response(
        200,
        with_changes(
            ALICE,
            request_id="11111111-2222-4333-8444-555555555555",
            server_time="2026-11-28T10:00:07Z",
        ),
    )
    return Baseline.from_responses(
        (first, second),
        none=none if none is not None else json_response(401, NOT_AUTHENTICATED),
        junk=junk if junk is not None else json_response(401, {"detail": "Invalid token"}),
        identity_markers=frozenset({"1042", "alice", "alice@example.com", "Alice Liddell"}),
    )


NO_CALIBRATION = Calibration()
