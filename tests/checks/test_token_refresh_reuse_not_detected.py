"""token-refresh-reuse-not-detected: RT1 → RT2, replay RT1, then RT2 — on a throwaway session.
The lab flaw alone (reuse refused, family kept) is medium; among all flaws (no rotation) the
replay itself works (high); the hardened lab and the vault that revokes the family pass."""

from __future__ import annotations

import pytest

from authsift.checks.lifecycle import token_refresh_reuse_not_detected
from authsift.lab.flaws import LabSettings
from tests.checks.lifecycle_helpers import (
    assert_silent_and_tested,
    lab_scan,
    the_finding,
    vault_scan,
    working_session_untouched,
)
from tests.checks.lifecycle_vault_api import VaultOptions

CHECK = "token-refresh-reuse-not-detected"


def test_lab_flaw_alone_is_a_surviving_family() -> None:
    found = the_finding(lab_scan(LabSettings.only({CHECK}), CHECK), CHECK)
    assert found.severity == "medium"
    assert not found.details["replay_accepted"] and found.details["rotated"]


def test_lab_with_every_flaw_replays_the_used_token() -> None:
    found = the_finding(lab_scan(LabSettings.vulnerable(), CHECK), CHECK)
    assert found.severity == "high" and found.details["replay_accepted"]


def test_hardened_lab_passes() -> None:
    assert_silent_and_tested(lab_scan(LabSettings.hardened_twin(), CHECK), CHECK)


def test_vault_decoy_three_ways() -> None:
    result, state = vault_scan(VaultOptions(), CHECK)  # rotation + family revocation
    assert_silent_and_tested(result, CHECK)
    assert working_session_untouched(state)
    result, state = vault_scan(VaultOptions(revoke_family_on_reuse=False), CHECK)
    assert the_finding(result, CHECK).severity == "medium"
    assert working_session_untouched(state)
    result, state = vault_scan(VaultOptions(rotate=False), CHECK)
    assert the_finding(result, CHECK).severity == "high"
    assert working_session_untouched(state)


def test_graceful_rotation_is_not_a_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    """A retry window (here 1 s; up to 60 s in real servers) honours the old token at once;
    the check asks again after the window (61 s in scans; 1.5 s here) before it counts."""
    monkeypatch.setattr(token_refresh_reuse_not_detected, "REUSE_WINDOW", 1.5)
    result, state = vault_scan(VaultOptions(reuse_grace=1.0), CHECK)
    assert_silent_and_tested(result, CHECK)
    assert working_session_untouched(state)
    result, _ = vault_scan(VaultOptions(old_refresh_stays_valid=True), CHECK)
    found = the_finding(result, CHECK)
    assert found.severity == "high" and found.details["replayed_after_seconds"] == 1.5
    assert found.details["rotated"] and "1.5 s after it was used" in found.description
