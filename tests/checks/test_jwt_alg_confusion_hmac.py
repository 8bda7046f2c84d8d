"""jwt-alg-confusion-hmac: fires on its lab flaw, silent on the hardened lab
(real scans of the lab, see jwt_helpers)."""

from __future__ import annotations

from tests.checks.jwt_helpers import (
    api_wide,
    assert_silent,
    family_scan,
    outcomes,
)

CHECK = "jwt-alg-confusion-hmac"


def test_fires_on_the_lab_flaw() -> None:
    result = family_scan("vulnerable")
    finding = api_wide(result, CHECK)
    assert finding.details["variant"].startswith("HS")
    assert finding.details["keys_from"][0].endswith("/.well-known/jwks.json")
    assert finding.details["impersonated"] == "bob"  # impact proof: bob's data came back


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert outcomes(result, CHECK)["GET /me"].startswith("passed")
