"""jwt-token-type-confusion: fires on its lab flaw, silent on the hardened lab
(real scans of the lab, see jwt_helpers)."""

from __future__ import annotations

from tests.checks.jwt_helpers import (
    RECOVERING_CHECKS,
    api_wide,
    assert_silent,
    family_scan,
    outcomes,
)

CHECK = "jwt-token-type-confusion"


def test_fires_on_the_lab_flaw() -> None:
    result = family_scan("vulnerable")
    finding = api_wide(result, CHECK)
    assert finding.details["recovered_by"] in RECOVERING_CHECKS
    assert "refresh" in finding.details["variant"]


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    # the access token is typed at+jwt and no other token type is at hand: never "safe"
    assert outcomes(result, CHECK)["GET /me"].startswith("inconclusive")
