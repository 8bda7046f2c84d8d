"""jwt-issuer-not-validated: fires on its lab flaw (through our own issuer on the callback
listener, and through the chain), silent on the hardened lab (real scans, see jwt_helpers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from authsift.lab.flaws import LabSettings
from authsift.model import ScanResult
from tests.checks.jwt_helpers import (
    RECOVERING_CHECKS,
    api_wide,
    assert_silent,
    family_scan,
    lab,
    outcomes,
    scan,
)

CHECK = "jwt-issuer-not-validated"


@pytest.fixture(scope="module")
def only_this_flaw() -> Iterator[ScanResult]:
    with lab(LabSettings.only({CHECK})) as target:
        yield scan(target, [CHECK])


def test_fires_through_a_tester_run_issuer(only_this_flaw: ScanResult) -> None:
    finding = api_wide(only_this_flaw, CHECK)
    # no signing key to chain from here: the lab fetched our issuer's JWKS and took the token
    assert "/.well-known/jwks.json" in finding.details["fetched"]
    assert finding.severity == "critical" and finding.confidence == "certain"


def test_fires_on_the_full_lab() -> None:
    finding = api_wide(family_scan("vulnerable"), CHECK)
    assert "fetched" in finding.details or finding.details["recovered_by"] in RECOVERING_CHECKS


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert outcomes(result, CHECK)["GET /me"].startswith("passed")
