"""jwt-weak-hmac-secret: cracks the reporting client's HS256 secret, proves impact, chains the
recovered key into the key-holder-only tests, and stays silent on the hardened lab."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from authsift.lab.flaws import LabSettings
from authsift.model import ScanResult
from tests.checks.jwt_helpers import (
    api_wide,
    assert_silent,
    family_scan,
    findings_of,
    lab,
    outcomes,
    scan,
)

CHECK = "jwt-weak-hmac-secret"
CHAINED = (
    "token-expired-accepted",
    "jwt-audience-not-validated",
    "jwt-issuer-not-validated",
    "jwt-token-type-confusion",
)


@pytest.fixture(scope="module")
def weak_secret_and_no_expiry() -> Iterator[ScanResult]:
    with lab(LabSettings.only({CHECK, "token-expired-accepted"})) as target:
        yield scan(target, [CHECK, *CHAINED])


def test_fires_on_the_lab_flaw() -> None:
    finding = api_wide(family_scan("vulnerable"), CHECK)
    assert finding.identity == "reporting-bot"  # the only HS256 tokens: client_credentials
    assert finding.details["secret"] == "secret123"
    assert finding.details["impersonated"] in {
        "alice",
        "bob",
        "carol",
    }  # a person, via the bot's key


def test_chain_reports_only_the_rules_the_target_breaks(
    weak_secret_and_no_expiry: ScanResult,
) -> None:
    result = weak_secret_and_no_expiry
    assert findings_of(result, CHECK)
    expired = api_wide(result, "token-expired-accepted")
    assert expired.details["recovered_by"] == CHECK
    assert expired.details["chain"][0].startswith(CHECK)
    assert [e.label for e in expired.evidence][-1].startswith("chained: exp")
    for kept in CHAINED[1:]:  # aud, iss and typ are checked here: the re-signed tokens fail
        assert findings_of(result, kept) == [], (kept, outcomes(result, kept))


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert "no identity holds an HS256" in outcomes(result, CHECK)["GET /me"]
