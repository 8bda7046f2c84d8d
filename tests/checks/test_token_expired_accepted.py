"""token-expired-accepted: fires on its lab flaw, silent on the hardened lab
(real scans of the lab, see jwt_helpers)."""

from __future__ import annotations

from tests.checks.jwt_helpers import (
    RECOVERING_CHECKS,
    api_wide,
    assert_silent,
    family_scan,
    outcomes,
)

CHECK = "token-expired-accepted"


def test_fires_on_the_lab_flaw() -> None:
    result = family_scan("vulnerable")
    finding = api_wide(result, CHECK)
    assert finding.family == "token" and finding.severity == "high"
    assert finding.details["recovered_by"] in RECOVERING_CHECKS
    assert "exp" in finding.details["variant"]


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert "needs an expired token" in outcomes(result, CHECK)["GET /me"]
