"""transport-cors-credentialed-reflection: found on the lab flaw, silent on the hardened lab's
fixed allow-list."""

from __future__ import annotations

from tests.checks.jwt_helpers import assert_silent, outcomes
from tests.checks.transport_helpers import of, transport_scan

CHECK = "transport-cors-credentialed-reflection"


def test_fires_on_the_lab_flaw() -> None:
    result = transport_scan(CHECK)
    found = of(result, CHECK)
    assert len(found) == 1, outcomes(result, CHECK)
    assert found[0].operation is None
    assert "attacker.example" in found[0].details["origin"]
    origin = [
        h
        for h in found[0].evidence[0].exchange.response.headers
        if h[0].lower() == "access-control-allow-origin"
    ]
    assert origin == [(origin[0][0], found[0].details["origin"])]


def test_silent_on_the_hardened_lab() -> None:
    result = transport_scan("hardened")
    assert_silent(result, CHECK)
    assert any("passed" in o for o in outcomes(result, CHECK).values())
