"""Markers: caller-unique values, matched as whole values and never by substring accident."""

from __future__ import annotations

import string

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from authsift.analysis import identity_markers, is_strong_marker, markers_present, unique_markers
from tests.analysis.analysis_factories import ALICE, BOB, json_response, text_response

ALNUM = string.ascii_letters + string.digits
markers = st.text(alphabet=ALNUM + "@.-_", min_size=1, max_size=16).filter(lambda m: m.strip())
word_glue = st.text(alphabet=ALNUM + "._-@+", min_size=1, max_size=6)


def test_identity_markers_keep_identifying_values_only() -> None:
    found = identity_markers(ALICE)
    assert found == frozenset({"1042", "alice", "alice@example.com", "Alice Liddell"})
    # skipped: role "user", active True, the plan id/name (shared), request_id, server_time


def test_identity_markers_rules() -> None:
    me = {
        "user": {"id": 7, "uuid": "0d3a2c1b-1111-4222-8333-444455556666", "paid": 100},
        "age": 34,
        "tenant_id": "acme",
        "contact": "ALICE@Example.com",
        "username": "",
        "nickname": "ok",
        "valid": True,
        "score": 3.5,
    }
    found = identity_markers(me, known=["canary-7f3a", " "])
    assert found == frozenset(
        {"7", "0d3a2c1b-1111-4222-8333-444455556666", "ALICE@Example.com", "canary-7f3a"}
    )


def test_only_the_callers_own_record_gives_markers() -> None:
    me = {
        "data": {
            "user": {"id": 9, "email": "dana@example.com"},
            "manager": {"id": 3, "name": "Carol", "email": "carol@example.com"},
        },
        "orders": [{"id": 5, "name": "Lamp"}],
    }
    assert identity_markers(me) == frozenset({"9", "dana@example.com"})


def test_markers_match_whole_values_not_substrings() -> None:
    response = json_response(
        200, {"items": [{"id": 10, "owner": "alice.smith@example.com", "name": "malice"}]}
    )
    assert markers_present(response, {"1", "alice", "smith@example.com", "10"}) == frozenset({"10"})


def test_strong_markers_are_found_as_whole_tokens_in_strings() -> None:
    response = json_response(200, {"note": "shipped to alice@example.com, ref 0123"})
    assert markers_present(response, {"alice@example.com", "0123"}) == frozenset(
        {"alice@example.com"}
    )
    assert is_strong_marker("alice@example.com") and not is_strong_marker("1042")


def test_numbers_and_strings_match_each_other_and_emails_ignore_case() -> None:
    response = json_response(200, {"id": "1042", "owner_id": 55, "email": "Alice@Example.COM"})
    assert markers_present(response, {"1042", "55", "alice@example.com"}) == frozenset(
        {"1042", "55", "alice@example.com"}
    )


def test_text_bodies_match_whole_tokens() -> None:
    page = text_response(200, "<td>alice</td><td>user 1042</td><td>malice10420</td>", "text/html")
    assert markers_present(page, {"alice", "1042", "104"}) == frozenset({"alice", "1042"})


def test_unique_markers_drop_shared_values() -> None:
    alice, bob = identity_markers(ALICE), identity_markers(BOB)
    shared_canary = "team-canary-1"
    result = unique_markers({"alice": alice | {shared_canary}, "bob": bob | {shared_canary}})
    assert shared_canary not in result["alice"] and shared_canary not in result["bob"]
    assert "alice@example.com" in result["alice"]


@settings(max_examples=200, deadline=None)
@given(markers, word_glue, word_glue)
def test_another_users_marker_is_not_found_by_substring_accident(
    marker: str, prefix: str, suffix: str
) -> None:
    value = prefix + marker + suffix
    text_around = "owner: {value}\nname={value}"
    # The text around the value has tokens of its own ("owner", "name"): a marker equal to one
    # of them is rightly found there, which is no substring accident. Only the value may hide it.
    assume(
        marker not in markers_present(text_response(200, text_around.format(value="")), {marker})
    )
    as_json = json_response(200, {"owner": value, "items": [{"name": value}]})
    as_text = text_response(200, text_around.format(value=value))
    assert marker not in markers_present(as_json, {marker})
    assert marker not in markers_present(as_text, {marker})


def test_a_marker_that_is_a_word_of_the_surrounding_text_is_found_there() -> None:
    """The case the property above assumes away: "name" is a whole token of the text itself."""
    page = text_response(200, "owner: xnamex\nname=xnamex")
    assert markers_present(page, {"name"}) == frozenset({"name"})
    assert markers_present(page, {"owner"}) == frozenset({"owner"})


@settings(max_examples=100, deadline=None)
@given(markers)
def test_a_marker_present_as_a_whole_value_is_found(marker: str) -> None:
    assert markers_present(json_response(200, {"owner": marker}), {marker}) == frozenset({marker})
