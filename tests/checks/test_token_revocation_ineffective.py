"""token-revocation-ineffective: the RFC 7009 endpoint is found in the metadata and exercised on
a throwaway session — the lab flaw (alone) is found, the hardened lab passes, the vault decoy
is judged both ways, and an API without a revocation endpoint is inconclusive."""

from __future__ import annotations

from authsift.lab.flaws import LabSettings
from authsift.model import Outcome
from tests.checks.lifecycle_helpers import (
    assert_silent_and_tested,
    lab_scan,
    outcomes,
    the_finding,
    vault_scan,
    working_session_untouched,
)
from tests.checks.lifecycle_vault_api import VaultOptions

CHECK = "token-revocation-ineffective"


def test_lab_flaw_found_and_hardened_passes() -> None:
    found = the_finding(lab_scan(LabSettings.only({CHECK}), CHECK), CHECK)
    assert found.severity == "high"
    assert found.details["refresh_token_survives"] and found.details["access_token_survives"]
    assert "revocation_endpoint" in found.details["found_in"]
    assert_silent_and_tested(lab_scan(LabSettings.hardened_twin(), CHECK), CHECK)


def test_vault_decoy_both_ways() -> None:
    result, state = vault_scan(VaultOptions(), CHECK)
    assert_silent_and_tested(result, CHECK)
    assert state.revocations == 2 and working_session_untouched(state)  # AT, then RT
    result, state = vault_scan(VaultOptions(revocation_works=False), CHECK)
    found = the_finding(result, CHECK)
    assert found.severity == "high" and found.details["refresh_token_survives"]
    assert found.details["revocation_endpoint"].endswith("/oauth2/revoke")
    assert working_session_untouched(state)


def test_no_revocation_endpoint_is_inconclusive() -> None:
    """Without metadata and without an RFC 7009-shaped operation there is nothing to test."""
    result, state = vault_scan(VaultOptions(metadata=False), CHECK)
    tasks = [t for t in result.tasks if t.check_id == CHECK]
    assert not any(t.outcome is Outcome.PASSED for t in tasks), outcomes(result, CHECK)
    assert any("no token revocation endpoint" in t.reason for t in tasks), outcomes(result, CHECK)
    assert state.revocations == 0 and result.findings == []
