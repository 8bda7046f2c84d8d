"""transport-token-response-cacheable: the lab's token answers without no-store found, the
hardened lab's (no-store, Pragma) silent."""

from __future__ import annotations

from tests.checks.jwt_helpers import assert_silent, outcomes
from tests.checks.transport_helpers import of, transport_scan

CHECK = "transport-token-response-cacheable"


def test_fires_on_the_lab_flaw() -> None:
    result = transport_scan(CHECK)
    found = of(result, CHECK)
    assert found, outcomes(result, CHECK)
    logins = [f for f in found if "login" in f.evidence[0].exchange.request.url]
    assert logins, [f.title for f in found]
    assert all("$" not in f.description or "eyJ" not in f.description for f in found)


def test_silent_on_the_hardened_lab() -> None:
    result = transport_scan("hardened")
    assert_silent(result, CHECK)
    assert any("passed" in o for o in outcomes(result, CHECK).values())
