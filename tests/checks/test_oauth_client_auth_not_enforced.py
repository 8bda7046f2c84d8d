"""oauth-client-auth-not-enforced: fires on its lab flaw, silent on the hardened lab and
on the certified provider (real scans of the lab's /idp and of oidc-provider, see
oauth_expectations)."""

from __future__ import annotations

from tests.checks.oauth_expectations import (
    assert_lab_hardened_silent,
    assert_strict_provider_clean,
    lab_finding,
)

CHECK = "oauth-client-auth-not-enforced"


def test_fires_on_the_lab_flaw() -> None:
    finding = lab_finding(CHECK)
    assert finding.severity == "critical"
    assert "no client authentication, only client_id" in finding.description
    assert "wrong client secret" not in finding.description  # the lab checks a secret it gets


def test_silent_on_the_hardened_lab() -> None:
    assert_lab_hardened_silent(CHECK)


def test_strict_certified_provider_is_clean() -> None:
    assert_strict_provider_clean(CHECK)
