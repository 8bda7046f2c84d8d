"""jwt-audience-not-validated: fires on its lab flaw, silent on the hardened lab
(real scans of the lab, see jwt_helpers)."""

from __future__ import annotations

from tests.checks.jwt_helpers import (
    RECOVERING_CHECKS,
    api_wide,
    assert_silent,
    family_scan,
    outcomes,
)

CHECK = "jwt-audience-not-validated"


def test_fires_on_the_lab_flaw() -> None:
    result = family_scan("vulnerable")
    finding = api_wide(result, CHECK)
    # no genuine other-audience token is configured: proven by the chain from a recovered key
    assert finding.details["recovered_by"] in RECOVERING_CHECKS
    assert "aud" in finding.details["variant"] and len(finding.details["chain"]) == 2


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert outcomes(result, CHECK)["GET /me"].startswith("inconclusive")
