"""jwt-ecdsa-psychic-signature: fires on its lab flaw, silent on the hardened lab
(real scans of the lab, see jwt_helpers)."""

from __future__ import annotations

from tests.checks.jwt_helpers import (
    api_wide,
    assert_silent,
    family_scan,
    outcomes,
)

CHECK = "jwt-ecdsa-psychic-signature"


def test_fires_on_the_lab_flaw() -> None:
    result = family_scan("vulnerable")
    finding = api_wide(result, CHECK)
    assert finding.identity == "reporting-bot-mobile"  # the only ES256 tokens: mobile login
    assert finding.details["alg"] == "ES256"


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert outcomes(result, CHECK)["GET /me"].startswith("passed")
