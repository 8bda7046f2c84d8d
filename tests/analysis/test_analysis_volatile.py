"""Volatile values: learned from two valid calls, or recognised by shape."""

from __future__ import annotations

import time

from authsift.analysis import learn_volatile, masked_headers
from authsift.analysis.volatile import MASK, is_volatile_leaf, masked_pairs
from authsift.model import HttpResponse
from tests.analysis.analysis_factories import ALICE, json_response, with_changes


def test_learns_changed_paths_and_headers() -> None:
    first = json_response(
        200, {"user": "alice", "nonce_value": 1}, (("X-Seq", "1"), ("Server", "x"))
    )
    second = json_response(
        200, {"user": "alice", "nonce_value": 2}, (("X-Seq", "2"), ("Server", "x"))
    )
    assert learn_volatile(first, second) == frozenset({"$.nonce_value", "header:x-seq"})


def test_text_bodies_teach_no_paths() -> None:
    first = HttpResponse(status=200, body=b"now 1")
    second = HttpResponse(status=200, body=b"now 2")
    assert learn_volatile(first, second) == frozenset()


def test_identifiers_and_plain_dates_are_never_masked_by_shape() -> None:
    assert not is_volatile_leaf("$.id", "4f8e7c7e-0a55-4d3c-9a67-4a0a0c0d5a11")
    assert not is_volatile_leaf("$.user_id", 1042)
    assert not is_volatile_leaf("$.birthday", "1990-01-01")
    assert is_volatile_leaf("$.meta.request_id", "4f8e7c7e-0a55-4d3c-9a67-4a0a0c0d5a11")
    assert is_volatile_leaf("$.traceId", "a3f9c2d1e0b4a5968877")
    assert is_volatile_leaf("$.csrf_token", "x")
    assert is_volatile_leaf("$.updated", "2026-11-28T10:00:00.123+00:00")
    assert is_volatile_leaf("$.now", int(time.time()))
    assert is_volatile_leaf("$.whatever", int(time.time() * 1000))
    assert not is_volatile_leaf("$.count", 1_000_000)


def test_masking_keeps_the_key_path() -> None:
    pairs = masked_pairs(ALICE)
    assert ("$.request_id", MASK) in pairs
    assert ("$.email", '"alice@example.com"') in pairs
    changed = with_changes(ALICE, email="eve@example.com")
    assert masked_pairs(changed) != pairs


def test_masked_headers_keep_cookie_names_only() -> None:
    response = HttpResponse(
        status=200,
        headers=(
            ("Date", "Sat, 28 Nov 2026 10:00:00 GMT"),
            ("Set-Cookie", "session=abc123; HttpOnly"),
            ("Content-Type", "application/json"),
            ("X-Custom", "1"),
        ),
    )
    assert masked_headers(response, frozenset({"header:x-custom"})) == (
        ("content-type", "application/json"),
        ("date", MASK),
        ("set-cookie", f"session={MASK}"),
        ("x-custom", MASK),
    )
