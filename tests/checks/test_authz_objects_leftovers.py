"""`_objects.still_there`: the read-back after a delete, on APIs that reuse ids (pure logic)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from authsift.checks.authz._objects import Created, still_there
from authsift.model import Exchange, HttpRequest, HttpResponse

CANARY = "authsift-canary-3f9a1c"


def _exchange(status: int, body: Any) -> Exchange:
    request = HttpRequest("GET", "http://127.0.0.1:1/notes/7")
    return Exchange(1, request, HttpResponse(status, body=json.dumps(body).encode()))


def _note() -> Created:
    sent = {"title": CANARY, "pinned": False}
    creation = _exchange(201, {"id": 7, **sent})
    return Created("ann", "/notes/{note_id}", {"note_id": "7"}, sent, frozenset({CANARY}), creation)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (404, {"error": "not found"}, False),
        (200, {"id": 7, "title": CANARY}, True),
        (200, {"id": 7, "title": "Walk-in, Tuesday"}, False),  # the id now names another note
        (200, {"id": 7}, True),  # the canary field is not shown: proves nothing, still there
        (200, [{"id": 6, "title": "x"}, {"id": 7, "title": CANARY}], True),
        (200, {"results": [{"id": 7, "title": "someone else's"}]}, False),
        (200, [{"id": 6, "title": CANARY}], False),
        (500, {"error": "boom"}, None),
    ],
)
def test_an_id_reused_for_another_object_is_not_a_leftover(
    status: int, body: Any, expected: bool | None
) -> None:
    assert still_there(_note(), _exchange(status, body)) is expected


def test_an_object_made_without_canaries_is_found_by_its_id_alone() -> None:
    plain = Created(
        "ann", "/tags/{tag_id}", {"tag_id": "3"}, {"n": 1}, frozenset(), _note().creation
    )
    assert still_there(plain, _exchange(200, {"id": 3, "n": 2})) is True
