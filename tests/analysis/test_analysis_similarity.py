"""Similarity: JSON Jaccard of masked pairs, token ratio for text; properties and examples."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from authsift.analysis import (
    json_body,
    json_pairs,
    learn_volatile,
    similar_at_least,
    similarity,
    text_tokens,
)
from authsift.analysis.similarity import MAX_TOKENS, text_similarity
from authsift.model import HttpResponse
from tests.analysis.analysis_factories import ALICE, json_response, text_response, with_changes

json_scalars = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=12)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(min_size=1, max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
json_bodies = json_values.map(lambda value: json_response(200, value))
text_bodies = st.text(max_size=300).map(lambda text: text_response(200, text))
any_bodies = (
    json_bodies
    | text_bodies
    | st.binary(max_size=200).map(lambda raw: HttpResponse(status=200, body=raw))
)


@settings(max_examples=150, deadline=None)
@given(any_bodies, any_bodies)
def test_similarity_is_symmetric_and_bounded(a: HttpResponse, b: HttpResponse) -> None:
    forward, backward = similarity(a, b), similarity(b, a)
    assert forward == backward
    assert 0.0 <= forward <= 1.0


@settings(max_examples=150, deadline=None)
@given(any_bodies, any_bodies, st.floats(0.0, 1.0))
def test_the_fast_threshold_test_agrees_with_similarity(
    a: HttpResponse, b: HttpResponse, threshold: float
) -> None:
    assert similar_at_least(a, b, threshold) == (similarity(a, b) >= threshold)


@settings(max_examples=150, deadline=None)
@given(any_bodies)
def test_a_body_is_fully_similar_to_itself(a: HttpResponse) -> None:
    assert similarity(a, a) == 1.0


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(st.text(min_size=1, max_size=8), json_scalars, min_size=3, max_size=8),
    st.text(min_size=1, max_size=20),
    st.text(min_size=1, max_size=20),
)
def test_values_that_change_between_valid_calls_are_masked(
    stable: dict[str, Any], first_nonce: str, second_nonce: str
) -> None:
    first = json_response(200, {**stable, "zz_volatile": first_nonce})
    second = json_response(200, {**stable, "zz_volatile": second_nonce})
    volatile = learn_volatile(first, second)
    assert similarity(first, second, volatile) == 1.0


def test_empty_containers_compare_as_raw_json() -> None:
    assert similarity(json_response(200, {}), json_response(200, {})) == 1.0
    assert similarity(json_response(200, []), json_response(200, {"x": 1})) == 0.0
    assert similarity(json_response(200, {"data": []}), json_response(200, {"data": {}})) == 0.0


def test_types_are_part_of_the_value() -> None:
    assert similarity(json_response(200, {"id": 1}), json_response(200, {"id": "1"})) == 0.0


def test_list_order_does_not_matter_but_content_does() -> None:
    items = [{"id": n, "owner": "alice"} for n in range(10)]
    shuffled = list(reversed(items))
    assert (
        similarity(json_response(200, {"items": items}), json_response(200, {"items": shuffled}))
        == 1.0
    )
    other = [{"id": n + 100, "owner": "bob"} for n in range(10)]
    assert (
        similarity(json_response(200, {"items": items}), json_response(200, {"items": other})) < 0.2
    )


def test_shape_volatile_values_are_masked_without_learning() -> None:
    # request ids and clocks change between calls even when nobody learned them
    other_call = with_changes(
        ALICE, request_id="0b5e0c1e-0000-4000-8000-000000000000", server_time="2026-11-28T11:59:59Z"
    )
    assert similarity(json_response(200, ALICE), json_response(200, other_call)) == 1.0


def test_status_is_not_part_of_similarity() -> None:
    assert similarity(json_response(200, ALICE), json_response(401, ALICE)) == 1.0


def test_a_different_user_is_not_similar() -> None:
    bob = with_changes(ALICE, id=1077, username="bob", email="bob@example.com", name="Bob")
    assert similarity(json_response(200, ALICE), json_response(200, bob)) < 0.9


def test_text_uses_token_sequence_ratio() -> None:
    page = "<html><body><h1>Welcome back, alice</h1><p>You have 3 orders</p></body></html>"
    same_but_reindented = page.replace("><", ">\n  <")
    assert text_similarity(page, same_but_reindented) == 1.0
    assert text_similarity(page, "<html><body><h1>Sign in</h1></body></html>") < 0.9
    assert text_tokens("a  b,c") == ["a", "b", ",", "c"]


def test_json_detected_by_content_even_when_mislabelled() -> None:
    mislabelled = text_response(200, '{"ok": 1}', content_type="text/html")
    assert json_body(mislabelled) is not None
    truncated = json_response(200, ALICE)
    cut = HttpResponse(
        status=200, headers=truncated.headers, body=truncated.body[:20], truncated=True
    )
    assert json_body(cut) is None
    problem = text_response(
        401, json.dumps({"title": "x"}), content_type="application/problem+json"
    )
    assert json_body(problem) is not None


def test_json_pairs_normalize_list_indices() -> None:
    pairs = json_pairs({"items": [{"id": 1}, {"id": 2}], "weird key": None})
    assert pairs == {("$.items[*].id", "1"), ("$.items[*].id", "2"), ('$["weird key"]', "null")}


def test_cost_is_bounded_for_big_pages() -> None:
    """Only the first MAX_TOKENS tokens are compared, so a huge page costs no more than a big
    one: two pages that differ only past that point compare as identical. (Asserted through
    behaviour, not a stopwatch: timed unit tests flake on a loaded runner.)"""
    head = " ".join(f"w{n % 37}" for n in range(MAX_TOKENS))
    a = text_response(200, head + " " + " ".join(f"a{n}" for n in range(5_000)))
    b = text_response(200, head + " " + " ".join(f"b{n}" for n in range(5_000)))
    assert similarity(a, b) == 1.0
    assert similarity(a, text_response(200, " ".join(reversed(head.split())))) < 1.0


@settings(max_examples=100, deadline=None)
@given(st.datetimes(), st.datetimes(), st.uuids(), st.uuids())
def test_clocks_and_request_ids_are_masked_without_learning(
    first_time: Any, second_time: Any, first_id: Any, second_id: Any
) -> None:
    def call(moment: Any, request_id: Any) -> HttpResponse:
        return json_response(
            200,
            {
                "user": {"id": 1042, "email": "alice@example.com"},
                "generated": moment.isoformat(),
                "meta": {"requestId": str(request_id)},
            },
        )

    assert similarity(call(first_time, first_id), call(second_time, second_id)) == 1.0
