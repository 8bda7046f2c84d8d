"""oauth-sender-constraint-downgrade: fires on its lab flaw (a DPoP-bound token taken as a
Bearer token at /idp/userinfo), silent on the hardened lab and on the certified provider, whose
DPoP (RFC 9449) is on; the weakened provider (`allowReplay`) gives the low replay finding."""

from __future__ import annotations

from tests.checks.oauth_expectations import (
    assert_lab_hardened_silent,
    assert_strict_provider_clean,
    lab_finding,
    provider_findings,
)

CHECK = "oauth-sender-constraint-downgrade"


def test_fires_on_the_lab_flaw() -> None:
    finding = lab_finding(CHECK)
    assert finding.severity == "high"
    assert "(a) Bearer scheme, no proof" in finding.description
    assert "(b)" not in finding.description and "(e)" not in finding.description


def test_silent_on_the_hardened_lab() -> None:
    assert_lab_hardened_silent(CHECK)


def test_strict_certified_provider_is_clean() -> None:
    assert_strict_provider_clean(CHECK)


def test_weakened_provider_replay_is_low() -> None:
    (finding,) = provider_findings(CHECK, weak=True)
    assert finding["severity"] == "low"
    assert "(e) the same proof twice" in finding["description"]
