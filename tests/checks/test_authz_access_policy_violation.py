"""authz-access-policy-violation and the access matrix it publishes (JSON and HTML reports),
on the lab with the BFLA flaw and on the hardened twin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from authsift.checks.authz._matrix import ANONYMOUS
from authsift.lab.flaws import LabSettings
from tests.checks.authz_helpers import passed_on
from tests.checks.bfla_helpers import LabScan, lab, scan_lab_with

CHECK = "authz-access-policy-violation"
FLAWED = LabSettings.only({"authz-bfla-privileged-function"})
HARDENED = LabSettings.hardened_twin()
ADMIN_POLICY = {"policy.access": {"GET /admin/*": ["admin"]}}
# API keys may not act as users in this lab, so alice-ro's key is refused GET /orders: a policy
# that promises it to every authenticated caller is contradicted in the other direction.
WIDER_POLICY = {"policy.access": {"GET /admin/*": ["admin"], "GET /orders": ["authenticated"]}}


@pytest.fixture(scope="module")
def flawed_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabScan]:
    with lab(FLAWED) as url:
        yield scan_lab_with(
            url, FLAWED, tmp_path_factory.mktemp("matrix"), [CHECK], WIDER_POLICY, ("json", "html")
        )


@pytest.fixture(scope="module")
def hardened_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabScan]:
    with lab(HARDENED) as url:
        yield scan_lab_with(
            url, HARDENED, tmp_path_factory.mktemp("matrix-h"), [CHECK], ADMIN_POLICY
        )


def _cells(scan: LabScan, operation: str) -> dict[str, str]:
    rows = scan.report["access_matrix"]["rows"]
    return next(row["cells"] for row in rows if row["operation"] == operation)


def test_matrix_covers_every_read_only_operation_and_caller(flawed_scan: LabScan) -> None:
    matrix = flawed_scan.report["access_matrix"]
    assert matrix["identities"][-1] == ANONYMOUS and "carol" in matrix["identities"]
    operations = [row["operation"] for row in matrix["rows"]]
    assert "GET /me" in operations and "GET /admin/users/{user_id}" in operations
    assert all(op.split(" ", 1)[0] in {"GET", "HEAD", "OPTIONS"} for op in operations)
    for row in matrix["rows"]:
        assert set(row["cells"]) == set(matrix["identities"])
        assert set(row["cells"].values()) <= {"allowed", "denied", "inconclusive"}
    assert _cells(flawed_scan, "GET /me")["alice"] == "allowed"
    assert _cells(flawed_scan, "GET /me")[ANONYMOUS] == "denied"
    assert _cells(flawed_scan, "GET /health")[ANONYMOUS] == "allowed"
    admin_user = _cells(flawed_scan, "GET /admin/users/{user_id}")
    assert admin_user["carol"] == "allowed" and admin_user["alice"] == "denied"


def test_matrix_is_drawn_in_the_html_report(flawed_scan: LabScan) -> None:
    html = next(flawed_scan.output.glob("*.html")).read_text(encoding="utf-8")
    assert 'id="access-matrix"' in html
    assert "<code>GET /admin/users</code>" in html and "state-denied" in html


def test_policy_deviation_reported_for_every_user_reaching_the_admin_listing(
    flawed_scan: LabScan,
) -> None:
    findings = [
        f
        for f in flawed_scan.report["findings"]
        if f["check"] == CHECK and f["operation"]["path"] == "/admin/users"
    ]
    reached = {f["identity"] for f in findings}
    assert {"alice", "bob"} <= reached and "carol" not in reached  # every non-admin, not the admin
    assert all(f["severity"] == "high" and f["details"]["observed"] == "allowed" for f in findings)
    assert _cells(flawed_scan, "GET /admin/users")["alice"] == "allowed"


def test_denied_where_the_policy_allows_is_low(flawed_scan: LabScan) -> None:
    denied = [
        f
        for f in flawed_scan.report["findings"]
        if f["check"] == CHECK and f["operation"]["path"] == "/orders"
    ]
    assert [(f["identity"], f["severity"]) for f in denied] == [("alice-ro", "low")]
    assert denied[0]["details"] == {
        "observed": "denied",
        "expected": "allowed",
        "policy": ["authenticated"],
        "caller": "alice-ro",
    }


def test_hardened_lab_matches_the_policy(hardened_scan: LabScan) -> None:
    assert hardened_scan.report["findings"] == []
    passed = passed_on(hardened_scan.result, CHECK)
    assert {"GET /admin/users", "GET /admin/users/{user_id}"} <= passed
    assert _cells(hardened_scan, "GET /admin/users")["alice"] == "denied"
    assert _cells(hardened_scan, "GET /admin/users")["carol"] == "allowed"
