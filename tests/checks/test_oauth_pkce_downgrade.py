"""oauth-pkce-downgrade: fires on its lab flaw, silent on the hardened lab and
on the certified provider (real scans of the lab's /idp and of oidc-provider, see
oauth_expectations)."""

from __future__ import annotations

from tests.checks.oauth_expectations import (
    assert_lab_hardened_silent,
    assert_strict_provider_clean,
    lab_finding,
)
from tests.checks.oauth_helpers import family_scan

CHECK = "oauth-pkce-downgrade"


def test_fires_on_the_lab_flaw() -> None:
    finding = lab_finding(CHECK)
    assert "random code_verifier" in finding.description


def test_a_server_that_mandates_pkce_is_not_applicable() -> None:
    result = family_scan("hardened")
    reasons = [t.reason for t in result.tasks if t.check_id == CHECK]
    assert any("PKCE is mandatory" in (r or "") for r in reasons), reasons


def test_silent_on_the_hardened_lab() -> None:
    assert_lab_hardened_silent(CHECK)


def test_strict_certified_provider_is_clean() -> None:
    assert_strict_provider_clean(CHECK)
