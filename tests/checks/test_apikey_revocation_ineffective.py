"""apikey-revocation-ineffective: fires on its lab flaw, silent on the hardened lab; only the
throwaway key is revoked."""

from __future__ import annotations

import pytest

from authsift.checks.apikeys._keymgmt import issued_key, key_apis
from authsift.lab.flaws import LabSettings
from authsift.model import Operation
from tests.checks.apikey_helpers import family_scan, scan_lab
from tests.checks.apikey_meter import meter_scan
from tests.checks.jwt_helpers import api_wide, assert_silent, outcomes

CHECK = "apikey-revocation-ineffective"


def test_fires_on_the_vulnerable_lab() -> None:
    finding = api_wide(family_scan("vulnerable"), CHECK)
    assert finding.identity == "alice" and finding.severity == "low"
    assert finding.details["revoked_with"] == "DELETE /api-keys/{key_id}"


@pytest.mark.slow
def test_fires_on_the_lab_flaw_alone_after_the_revocation_window() -> None:
    """The lab config's `lifecycle.revocation_window` is 5 s (it revokes at once); the default,
    60 s, is the CHECKS.md §2 window."""
    result = scan_lab(LabSettings.only({CHECK}), [CHECK])
    assert api_wide(result, CHECK).details["window_seconds"] >= 5


def test_silent_on_the_hardened_lab_and_the_configured_key_still_works() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert any(o.startswith("passed") for o in outcomes(result, CHECK).values()), outcomes(
        result, CHECK
    )
    # the configured key was never revoked: the other api-key checks still used it afterwards
    assert not any("401" in o for o in outcomes(result, "apikey-low-entropy").values())


def test_key_apis_and_issued_key() -> None:
    ops = [
        Operation("POST", "/v1/tokens"),
        Operation("DELETE", "/v1/tokens/{token_id}"),
        Operation("POST", "/orders"),
        Operation("DELETE", "/orders/{order_id}"),
    ]
    assert [(a.issue.path, a.revoke.path) for a in key_apis(ops)] == [
        ("/v1/tokens", "/v1/tokens/{token_id}")
    ]
    assert issued_key({"id": "k1", "name": "ci", "key": "sk_abcdefgh12"}, set()) == "sk_abcdefgh12"
    assert issued_key({"id": "k1", "key": "known-key-value"}, {"known-key-value"}) is None
    assert issued_key({"data": {"token": "t0k3n-value-1"}}, set()) == "t0k3n-value-1"


def test_silent_on_immediate_revocation() -> None:
    """A stdlib API whose revocation deletes the key's hash: the throwaway key is refused at
    once (one replay), in both modes."""
    for hardened in (False, True):
        result = meter_scan(hardened=hardened)
        assert_silent(result, CHECK)
        assert any(o.startswith("passed") for o in outcomes(result, CHECK).values())
