"""token-refresh-not-rotated: a throwaway session's refresh token redeemed twice — the lab flaw
is found, the hardened lab (rotation) passes, and the vault decoy is judged both ways."""

from __future__ import annotations

from authsift.lab.flaws import LabSettings
from tests.checks.lifecycle_helpers import (
    assert_silent_and_tested,
    lab_scan,
    the_finding,
    vault_scan,
    working_session_untouched,
)
from tests.checks.lifecycle_vault_api import VaultOptions

CHECK = "token-refresh-not-rotated"


def test_lab_flaw_found_and_hardened_passes() -> None:
    found = the_finding(lab_scan(LabSettings.only({CHECK}), CHECK), CHECK)
    assert found.severity == "high"  # a public client: no client authentication
    assert not found.details["confidential_client"] and not found.details["rotated"]
    assert "same refresh token" in found.description
    assert_silent_and_tested(lab_scan(LabSettings.hardened_twin(), CHECK), CHECK)


def test_vault_decoy_both_ways() -> None:
    result, state = vault_scan(VaultOptions(), CHECK)
    assert_silent_and_tested(result, CHECK)
    assert working_session_untouched(state)
    result, state = vault_scan(VaultOptions(rotate=False), CHECK)
    assert the_finding(result, CHECK).severity == "high"
    assert working_session_untouched(state)
