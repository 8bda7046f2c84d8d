"""rl-resource-consumption: real scans of the lab (`GET /orders?limit=`) and of the gym API on
127.0.0.1 (`GET /v1/classes?per_page=`, documented maximum 50, `{"results", "count"}` pages),
each flawed and hardened. Read-only: it runs without --noisy and --intrusive."""

from __future__ import annotations

from authsift.lab.flaws import LabSettings
from authsift.model import ScanResult
from tests.checks import rl_gym_api as gym_api
from tests.checks.jwt_helpers import errors, findings_of, lab, outcomes, scan
from tests.checks.scanning import scan_app_in_process

CHECK = "rl-resource-consumption"


def _lab(settings: LabSettings) -> ScanResult:
    with lab(settings) as target:
        return scan(target, [CHECK])


def _gym(flaws: frozenset[str]) -> ScanResult:
    result, _ = scan_app_in_process(
        gym_api.make_app(gym_api.Gym(flaws=flaws)),
        gym_api.spec(),
        gym_api.config,
        {},
        CHECK,
        {"checks": {"include": [CHECK]}},
    )
    return result


def test_fires_on_the_lab_flaw_alone() -> None:
    result = _lab(LabSettings.only({CHECK}))
    [finding] = findings_of(result, CHECK)
    assert finding.operation is not None and finding.operation.key == "GET /orders"
    assert finding.details["parameter"] == "limit" and finding.details["items"] > 1000
    assert errors(result) == []


def test_silent_on_the_hardened_lab() -> None:
    result = _lab(LabSettings.hardened_twin())
    assert findings_of(result, CHECK) == []
    assert outcomes(result, CHECK)["GET /orders"].startswith("passed")


def test_the_gym_class_list() -> None:
    flawed = _gym(frozenset({"page-unclamped"}))
    [finding] = findings_of(flawed, CHECK)
    assert finding.details == {
        "parameter": "per_page",
        "items": 3000,
        "bytes": finding.details["bytes"],
    }
    assert "documented maximum 50" in finding.description
    hardened = _gym(frozenset())
    assert findings_of(hardened, CHECK) == []
    assert outcomes(hardened, CHECK)["GET /v1/classes"].startswith("passed")
