"""transport-www-authenticate-conformance: the lab's challenge-less 401 found, the hardened
lab (Bearer realm, invalid_token) silent."""

from __future__ import annotations

from authsift.model import Severity
from tests.checks.jwt_helpers import assert_silent, outcomes
from tests.checks.transport_helpers import of, transport_scan

CHECK = "transport-www-authenticate-conformance"


def test_fires_on_the_lab_flaw() -> None:
    result = transport_scan(CHECK)
    found = {f.title: f for f in of(result, CHECK)}
    missing = found.get("401 without a WWW-Authenticate challenge")
    assert missing is not None, (list(found), outcomes(result, CHECK))
    assert missing.severity is Severity.LOW and missing.details["seen_on"]


def test_silent_on_the_hardened_lab() -> None:
    result = transport_scan("hardened")
    assert_silent(result, CHECK)
    assert any("passed" in o for o in outcomes(result, CHECK).values())
