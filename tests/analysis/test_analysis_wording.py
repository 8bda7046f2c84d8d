"""Values spelt for people (issue 14 §4): no repr ever reaches a report through these."""

from __future__ import annotations

from authsift.analysis import human_list, human_mapping, human_value


def test_lists_read_as_english() -> None:
    assert human_list(["1", "Alice Liddell"]) == '"1" and "Alice Liddell"'
    assert human_list(["1", "Alice Liddell", "alice", "a@x", "b@x"]) == (
        '"1", "Alice Liddell", "alice" and 2 more'
    )
    assert human_list(["bob", "carol", "dave"], quote=False) == "bob, carol and dave"
    assert human_list([], empty="nobody") == "nobody"
    assert human_list(["read"], conjunction="or") == '"read"'


def test_sets_are_sorted_so_two_runs_read_alike() -> None:
    assert human_list({"RSA", "EC"}, quote=False) == "EC and RSA"


def test_mappings_are_key_equals_value() -> None:
    assert human_mapping({"role": "admin", "scope": "read write"}) == "role=admin, scope=read write"
    assert human_mapping({"admin": True, "tags": ["a", "b"]}) == "admin=true, tags=a and b"
    assert human_mapping({}) == "nothing"


def test_scalars_never_show_python_spellings() -> None:
    assert human_value(b"secret123") == '"secret123"'
    assert human_value(None) == "null"
    assert human_value(False) == "false"
    assert human_value(3) == "3"
    assert human_value("x", quote=False) == "x"
    assert human_value(("a", "b")) == '"a" and "b"'
