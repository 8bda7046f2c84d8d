"""oauth-pkce-not-enforced: fires on its lab flaw, silent on the hardened lab and
on the certified provider (real scans of the lab's /idp and of oidc-provider, see
oauth_expectations)."""

from __future__ import annotations

from tests.checks.oauth_expectations import (
    assert_lab_hardened_silent,
    assert_strict_provider_clean,
    lab_finding,
    provider_findings,
)

CHECK = "oauth-pkce-not-enforced"


def test_fires_on_the_lab_flaw() -> None:
    finding = lab_finding(CHECK)
    assert finding.severity == "medium"  # lab-web is a confidential client
    assert finding.details["accepted"] == [
        "a code issued without any challenge, redeemed without a verifier"
    ]


def test_weakened_provider_is_found() -> None:
    (finding,) = provider_findings(CHECK, weak=True)
    assert "redeemed without a verifier" in finding["description"]


def test_silent_on_the_hardened_lab() -> None:
    assert_lab_hardened_silent(CHECK)


def test_strict_certified_provider_is_clean() -> None:
    assert_strict_provider_clean(CHECK)
