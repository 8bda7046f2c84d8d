"""authz-bopla-mass-assignment on the lab (intrusive): `PATCH /me` takes `role` from the body;
the scanner proves it with a canary role, shows the effect with the admin role name, restores
the original role, and finds nothing on the hardened twin."""

from __future__ import annotations

from typing import Any

from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread
from authsift.model import ScanResult
from tests.checks.authz_helpers import (
    LabClient,
    findings_of,
    fired_on,
    outcomes_of,
    passed_on,
    scan_lab_result,
)

CHECK = "authz-bopla-mass-assignment"


def _scan(settings: LabSettings) -> tuple[dict[str, Any], dict[str, Any], ScanResult]:
    with run_in_thread(settings) as url:
        report, result = scan_lab_result(url, settings, [CHECK], intrusive=True)
        status, me = LabClient(url, "alice").call("GET", "/me")
        assert status == 200
    return report, me, result


def test_fires_on_role_assignment_and_restores_the_role() -> None:
    report, me, _ = _scan(LabSettings.only({CHECK}))
    assert fired_on(report, CHECK) == {"PATCH /me"}
    finding = findings_of(report, CHECK)[0]
    assert finding["severity"] == "critical" and finding["confidence"] == "certain"
    assert finding["details"]["properties"] == ["role"]
    assert finding["details"]["restored"] == ["role"]
    # with only this flaw on, GET /admin/users refuses alice until her role says admin
    assert finding["details"]["privilege_granted"] is True
    assert me["role"] == "user" and me["username"] == "alice"
    assert "leftovers" not in report.get("extras", {})


def test_silent_on_the_hardened_twin() -> None:
    report, me, result = _scan(LabSettings.hardened_twin())
    assert fired_on(report, CHECK) == set()
    assert me["role"] == "user"
    assert not [t for t in report["errors"] if t["check"] == CHECK]
    # it decided on PATCH /me, which takes `role` from the body on the vulnerable lab
    assert "PATCH /me" in passed_on(result, CHECK), outcomes_of(result, CHECK)
