"""The access matrix's pure parts: the report format and the expected-policy rules."""

from __future__ import annotations

from authsift.checks.authz._matrix import (
    ANONYMOUS,
    Access,
    AccessMatrix,
    Cell,
    expected_access,
    policy_rule,
)
from authsift.model import Operation


def test_report_format_orders_rows_like_the_spec_and_columns_like_the_config() -> None:
    matrix = AccessMatrix(columns=("alice", "carol", ANONYMOUS), order=("GET /a", "GET /b"))
    matrix.record("GET /b", "carol", Cell(Access.ALLOWED, "200"))
    matrix.record("GET /a", ANONYMOUS, Cell(Access.DENIED, "401"))
    matrix.record("GET /a", "alice", Cell(Access.INCONCLUSIVE, "500"))
    assert matrix.as_report() == {
        "identities": ["alice", "carol", ANONYMOUS],
        "rows": [
            {"operation": "GET /a", "cells": {"alice": "inconclusive", ANONYMOUS: "denied"}},
            {"operation": "GET /b", "cells": {"carol": "allowed"}},
        ],
        "privileged_identities": [],
        "privileged_operations": [],
    }
    assert matrix.row("GET /b")["carol"].reason == "200" and matrix.row("GET /zz") == {}


def test_policy_first_matching_pattern_decides() -> None:
    policy = {"GET /admin/health": ["*"], "GET /admin/*": ["admin", "ops"]}
    assert policy_rule(policy, Operation("GET", "/admin/health")) == ("*",)
    rule = policy_rule(policy, Operation("GET", "/admin/users/{id}"))
    assert rule == ("admin", "ops")
    assert policy_rule(policy, Operation("GET", "/orders")) is None
    assert expected_access(rule, "carol", "admin") and expected_access(rule, "ops", "user")
    assert not expected_access(rule, "alice", "user")
    assert not expected_access(rule, ANONYMOUS, None)
    assert expected_access(("authenticated",), "alice", "user")
    assert not expected_access(("authenticated",), ANONYMOUS, None)
    assert expected_access(("anonymous",), ANONYMOUS, None)


def test_report_names_privileged_callers_and_operations_in_column_and_row_order() -> None:
    matrix = AccessMatrix(
        columns=("alice", "carol", "dave", ANONYMOUS),
        order=("GET /admin/b", "GET /admin/a", "GET /me"),
        privileged_callers=frozenset({"dave", "carol"}),
        privileged_operations=frozenset({"GET /admin/a", "GET /admin/b", "GET /admin/unprobed"}),
    )
    for key in ("GET /admin/a", "GET /admin/b", "GET /me"):
        matrix.record(key, "carol", Cell(Access.ALLOWED, "200"))
    report = matrix.as_report()
    assert report["privileged_identities"] == ["carol", "dave"]
    assert report["privileged_operations"] == ["GET /admin/b", "GET /admin/a"]  # rows only
