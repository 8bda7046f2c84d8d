"""authz-bola-write on the lab (intrusive): fires on the document update that never checks the
owner, stays silent on the hardened twin, and leaves no scanner-created object behind."""

from __future__ import annotations

import json
from typing import Any

import pytest

from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread
from authsift.model import ScanResult
from tests.checks.authz_helpers import (
    LabClient,
    findings_of,
    fired_on,
    outcomes_of,
    passed_on,
    scan_lab_report,
    scan_lab_result,
)

CHECK = "authz-bola-write"


def _scan(settings: LabSettings) -> tuple[dict[str, Any], list[str], ScanResult]:
    """The report, every canary still visible to alice or bob after the scan, the result."""
    with run_in_thread(settings) as url:
        report, result = scan_lab_result(url, settings, [CHECK], intrusive=True)
        left: list[str] = []
        for user in ("alice", "bob"):
            client = LabClient(url, user)
            for path in ("/documents", "/orders?limit=100&offset=1100", "/api-keys"):
                status, body = client.call("GET", path)
                assert status == 200, (path, status)
                if "authsift-canary-" in json.dumps(body):
                    left.append(f"{user} {path}")
    return report, left, result


@pytest.fixture(scope="module")
def vulnerable() -> tuple[dict[str, Any], list[str]]:
    report, left, _ = _scan(LabSettings.vulnerable())
    return report, left


def test_fires_on_the_document_update_without_ownership_check(
    vulnerable: tuple[dict[str, Any], list[str]],
) -> None:
    report, _ = vulnerable
    assert fired_on(report, CHECK) == {"PATCH /documents/{document_id}"}
    finding = findings_of(report, CHECK)[0]
    assert finding["severity"] == "critical" and finding["confidence"] == "certain"
    assert finding["victim"] != finding["identity"]
    assert "authsift-canary-" in finding["evidence"][-1]["response"]["body"]


def test_other_writes_ran_and_were_refused(vulnerable: tuple[dict[str, Any], list[str]]) -> None:
    report, _ = vulnerable
    ran = {
        f"{t['operation']['method']} {t['operation']['path']}"
        for t in report["inconclusive"] + report["errors"]
        if t["check"] == CHECK
    }
    for key in (
        "PUT /orders/{order_id}",
        "DELETE /orders/{order_id}",
        "DELETE /documents/{document_id}",
    ):
        assert key not in ran, key


def test_no_scanner_object_left_behind(vulnerable: tuple[dict[str, Any], list[str]]) -> None:
    report, left = vulnerable
    assert left == []
    assert "leftovers" not in report.get("extras", {})


def test_silent_and_clean_on_the_hardened_twin() -> None:
    report, left, result = _scan(LabSettings.hardened_twin())
    assert fired_on(report, CHECK) == set()
    assert left == []
    # it decided on the document update that skips the owner check on the vulnerable lab
    passed = passed_on(result, CHECK)
    assert "PATCH /documents/{document_id}" in passed, outcomes_of(result, CHECK)


def test_skipped_unless_intrusive() -> None:
    # alone it would leave nothing to test (exit 2, tests/test_cli.py); beside a read-only check
    # the scan runs and reports this one as not tested, and why
    settings = LabSettings.vulnerable()
    with run_in_thread(settings) as url:
        report = scan_lab_report(url, settings, [CHECK, "authz-unauthenticated-access"])
    assert findings_of(report, CHECK) == []
    authz = next(f for f in report["coverage"]["families"] if f["family"] == "authz")
    mine = next(c for c in authz["checks"] if c["check"] == CHECK)
    assert (mine["status"], mine["reason"]) == ("not-tested", "needs checks.intrusive")
