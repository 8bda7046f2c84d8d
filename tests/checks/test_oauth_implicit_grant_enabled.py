"""oauth-implicit-grant-enabled: fires on its lab flaw, silent on the hardened lab and
on the certified provider (real scans of the lab's /idp and of oidc-provider, see
oauth_expectations)."""

from __future__ import annotations

from tests.checks.oauth_expectations import (
    assert_lab_hardened_silent,
    assert_strict_provider_clean,
    lab_finding,
    provider_findings,
)

CHECK = "oauth-implicit-grant-enabled"


def test_fires_on_the_lab_flaw() -> None:
    finding = lab_finding(CHECK)
    assert finding.severity == "medium" and finding.details["delivery"] == "fragment"
    assert "$OAUTH_ACCESS_TOKEN" in str(finding.evidence[-1].exchange.response.headers)


def test_weakened_provider_id_token_token_is_found() -> None:
    (finding,) = provider_findings(CHECK, weak=True)
    assert "response_type=id_token token returned an access token" in finding["description"]


def test_silent_on_the_hardened_lab() -> None:
    assert_lab_hardened_silent(CHECK)


def test_strict_certified_provider_is_clean() -> None:
    assert_strict_provider_clean(CHECK)
