"""jwt-signature-not-verified: fires where the lab decodes without verifying (GET /auth/session
only), folds the forgeries there into itself, and stays silent on the hardened lab."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from authsift.lab.flaws import LabSettings
from authsift.model import ScanResult
from tests.checks.jwt_helpers import (
    assert_silent,
    family_scan,
    findings_of,
    lab,
    outcomes,
    scan,
)

CHECK = "jwt-signature-not-verified"
FORGERIES = ("jwt-alg-none", "jwt-kid-injection", "jwt-header-key-injection")


@pytest.fixture(scope="module")
def only_this_flaw() -> Iterator[ScanResult]:
    with lab(LabSettings.only({CHECK})) as target:
        yield scan(target, [CHECK, *FORGERIES])


def test_fires_on_the_one_unverifying_operation() -> None:
    result = family_scan("vulnerable")
    found = findings_of(result, CHECK)
    assert [f.operation.key for f in found if f.operation] == ["GET /auth/session"], found
    finding = found[0]
    assert finding.confidence == "certain" and finding.severity == "critical"
    assert finding.details["impersonated"] == "bob"  # bob's payload, alice's signature: bob's data
    assert outcomes(result, CHECK)["GET /me"].startswith("passed")  # /me verifies


def test_forgeries_on_the_same_operation_are_subsumed(only_this_flaw: ScanResult) -> None:
    found = findings_of(only_this_flaw, CHECK)
    assert len(found) == 1, outcomes(only_this_flaw, CHECK)
    subsumed = found[0].details["subsumes"]
    assert "jwt-alg-none (GET /auth/session)" in subsumed
    for forgery in FORGERIES:  # accepted on /auth/session only, so reported only as subsumed
        assert findings_of(only_this_flaw, forgery) == []


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert outcomes(result, CHECK)["GET /auth/session"].startswith("passed")
