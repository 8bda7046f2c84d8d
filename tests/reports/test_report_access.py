"""The access matrix read against expectations: what is expected, what must stand out."""

from __future__ import annotations

import dataclasses
from typing import Any

from authsift.model import Family, IdentitySummary, OperationRef, ScanResult
from authsift.reports.access import FindingLink, MatrixView, read_matrix
from tests.reports.conftest import bola_finding

IDENTITIES = [
    IdentitySummary("alice", "user", "login", 10, 10, True),
    IdentitySummary("bob", "user", "login", 10, 10, True),
    IdentitySummary("carol", "admin", "login", 10, 10, True),
]
ALL = ("alice", "bob", "carol", "anonymous")


def matrix(rows: dict[str, tuple[str, str, str, str]], **extra: Any) -> dict[str, Any]:
    return {
        "identities": list(ALL),
        "rows": [
            {"operation": op, "cells": dict(zip(ALL, states, strict=True))}
            for op, states in rows.items()
        ],
        **extra,
    }


def cells(view: MatrixView | None) -> dict[tuple[str, str], tuple[str, str, str]]:
    assert view is not None
    return {
        (row.operation, column.name): (cell.state, cell.verdict, cell.marker)
        for row in view.rows
        for column, cell in zip(view.columns, row.cells, strict=True)
    }


def finding(check: str, operation: str, identity: str | None, **details: Any) -> Any:
    method, path = operation.split(" ", 1)
    return dataclasses.replace(
        bola_finding(),
        check_id=check,
        family=Family(check.split("-", 1)[0]),
        operation=OperationRef(method, path),
        identity=identity,
        victim=None,
        details=details,
    )


def link(anchor: str, check: str, accepted: bool = False) -> FindingLink:
    return FindingLink(anchor, check, "title", accepted)


ROWS = {
    "GET /me": ("allowed", "allowed", "allowed", "denied"),
    "GET /health": ("allowed", "allowed", "allowed", "allowed"),
    "GET /admin/users": ("allowed", "denied", "allowed", "denied"),
    "GET /admin/audit": ("inconclusive", "denied", "allowed", "allowed"),
}


def test_own_data_public_and_admin_on_admin_are_expected_the_rest_stands_out() -> None:
    raw = matrix(
        ROWS,
        privileged_identities=["carol"],
        privileged_operations=["GET /admin/users", "GET /admin/audit"],
    )
    got = cells(read_matrix(raw, IDENTITIES, []))
    assert got["GET /me", "alice"] == ("allowed", "expected", "own data")
    assert got["GET /me", "anonymous"] == ("denied", "denied", "")
    assert got["GET /health", "bob"] == ("allowed", "expected", "public")
    assert got["GET /health", "anonymous"] == ("allowed", "expected", "public")
    assert got["GET /admin/users", "carol"] == ("allowed", "expected", "privileged")
    assert got["GET /admin/users", "alice"] == ("allowed", "unexpected", "unexpected")
    assert got["GET /admin/audit", "anonymous"] == ("allowed", "unexpected", "unexpected")
    assert got["GET /admin/audit", "alice"] == ("inconclusive", "inconclusive", "")
    view = read_matrix(raw, IDENTITIES, [])
    assert view is not None and view.unexpected == 2
    flags = {row.operation: (row.privileged, row.public) for row in view.rows}
    assert flags == {
        "GET /me": (False, False),
        "GET /health": (False, True),
        "GET /admin/users": (True, False),
        "GET /admin/audit": (True, False),
    }
    assert [(c.name, c.role, c.privileged) for c in view.columns] == [
        ("alice", "user", False),
        ("bob", "user", False),
        ("carol", "admin", True),
        ("anonymous", None, False),
    ]


def test_cells_named_by_an_authorization_finding_link_to_it_whatever_their_state() -> None:
    raw = matrix(ROWS, privileged_identities=["carol"], privileged_operations=[])
    found = [
        (finding("authz-bola-read", "GET /me", "bob"), link("authz-1", "authz-bola-read")),
        (
            finding("authz-unauthenticated-access", "GET /health", "alice"),
            link("authz-2", "authz-unauthenticated-access"),
        ),
        (
            finding("authz-path-variant-bypass", "GET /admin/users", "bob"),
            link("authz-3", "authz-path-variant-bypass"),
        ),
        (finding("jwt-alg-none", "GET /me", "alice"), link("jwt-1", "jwt-alg-none")),
    ]
    view = read_matrix(raw, IDENTITIES, found)
    got = cells(view)
    assert got["GET /me", "bob"] == ("allowed", "unexpected", "finding")
    assert got["GET /me", "alice"] == ("allowed", "expected", "own data")  # a JWT flaw: not here
    # the unauthenticated-access finding names alice as its reference; the caller is anonymous
    assert got["GET /health", "anonymous"] == ("allowed", "unexpected", "finding")
    assert got["GET /health", "alice"] == ("allowed", "expected", "own data")  # no longer public
    assert got["GET /admin/users", "bob"] == ("denied", "unexpected", "finding")  # a bypass
    assert view is not None
    bob = next(i for i, c in enumerate(view.columns) if c.name == "bob")
    assert [link.anchor for link in view.rows[0].cells[bob].links] == ["authz-1"]


def test_bfla_findings_make_the_operation_privileged_and_accepted_ones_are_marked() -> None:
    # an older report: no privileged lists, so carol's admin role and the BFLA proof decide
    raw = matrix({"GET /admin/users": ("allowed", "allowed", "allowed", "denied")})
    bfla = finding(
        "authz-bfla-privileged-function", "GET /admin/users", "alice", also_reached_by=["bob"]
    )
    view = read_matrix(raw, IDENTITIES, [(bfla, link("authz-1", bfla.check_id, accepted=True))])
    got = cells(view)
    assert got["GET /admin/users", "alice"] == ("allowed", "accepted", "accepted")
    assert got["GET /admin/users", "bob"] == ("allowed", "accepted", "accepted")
    assert got["GET /admin/users", "carol"] == ("allowed", "expected", "privileged")
    assert view is not None and view.rows[0].privileged and view.unexpected == 0


def test_a_malformed_matrix_is_left_out_and_odd_cells_are_unknown() -> None:
    assert read_matrix(None, IDENTITIES, []) is None
    assert read_matrix(["x"], IDENTITIES, []) is None
    assert read_matrix({"rows": "nope"}, IDENTITIES, []) is None
    raw = {
        "identities": ["alice", "bob"],
        "rows": ["junk", {"operation": "GET /x", "cells": {"alice": "maybe"}}],
    }
    got = cells(read_matrix(raw, IDENTITIES, []))
    assert got == {
        ("GET /x", "alice"): ("unknown", "unknown", "not probed"),
        ("GET /x", "bob"): ("unknown", "unknown", "not probed"),
    }


def test_the_report_fixture_matrix(scan_result: ScanResult) -> None:
    bola = scan_result.findings[0]
    assert bola.family is Family.AUTHZ
    # the fixture's accepted finding, under the BFLA check's real id
    accepted = dataclasses.replace(
        scan_result.suppressed[0].finding, check_id="authz-bfla-privileged-function"
    )
    view = read_matrix(
        scan_result.extras["access_matrix"],
        scan_result.identities,
        [
            (bola, link("authz-1", bola.check_id)),
            (accepted, link("accepted-1", accepted.check_id, accepted=True)),
        ],
    )
    got = cells(view)
    assert got["GET /users/{id}", "bob"] == ("allowed", "unexpected", "finding")
    assert got["GET /users/{id}", "alice"] == ("allowed", "expected", "own data")
    assert got["GET /admin/users", "bob"] == ("allowed", "accepted", "accepted")
    assert got["GET /admin/users", "ops"] == ("allowed", "expected", "privileged")
