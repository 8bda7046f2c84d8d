"""oauth-redirect-uri-validation: fires on its lab flaw, silent on the hardened lab and
on the certified provider (real scans of the lab's /idp and of oidc-provider, see
oauth_expectations)."""

from __future__ import annotations

from tests.checks.oauth_expectations import (
    assert_lab_hardened_silent,
    assert_strict_provider_clean,
    lab_finding,
    provider_findings,
)

CHECK = "oauth-redirect-uri-validation"


def test_fires_on_the_lab_flaw() -> None:
    finding = lab_finding(CHECK)
    accepted = {a["variant"] for a in finding.details["accepted"]}
    assert "a path extended without a slash" in accepted and "a longer path" in accepted
    assert "a foreign host" not in accepted  # the lab matches by prefix, not anything
    assert finding.severity == "high"


def test_weakened_provider_prefix_rule_is_found() -> None:
    (finding,) = provider_findings(CHECK, weak=True)
    assert "a longer path" in finding["description"]


def test_loopback_redirect_ports_are_not_tried() -> None:
    from authsift.checks.oauth.oauth_redirect_uri_validation import variants

    labels = {v.label for v in variants("http://127.0.0.1:9/callback")}
    assert "another port" not in labels and "a foreign host" in labels
    assert "another port" in {v.label for v in variants("https://app.example/cb")}


def test_silent_on_the_hardened_lab() -> None:
    assert_lab_hardened_silent(CHECK)


def test_strict_certified_provider_is_clean() -> None:
    assert_strict_provider_clean(CHECK)
