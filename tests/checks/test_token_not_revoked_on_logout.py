"""token-not-revoked-on-logout: on a throwaway session, never the scan's own — the lab flaw
(alone and among all flaws) is found, the hardened lab passes, and the vault decoy (OAuth 2.0
password grant, opaque tokens) is judged both ways."""

from __future__ import annotations

import pytest

from authsift.checks.lifecycle import _sessions
from authsift.lab.flaws import LabSettings
from authsift.model import Outcome
from tests.checks.lifecycle_helpers import (
    assert_silent_and_tested,
    lab_scan,
    no_secret_in,
    outcomes,
    the_finding,
    vault_scan,
    working_session_untouched,
)
from tests.checks.lifecycle_vault_api import PASSWORD, VaultOptions

CHECK = "token-not-revoked-on-logout"


def test_lab_flaw_found_and_hardened_passes() -> None:
    found = the_finding(lab_scan(LabSettings.only({CHECK}), CHECK), CHECK)
    assert found.severity == "high"  # the refresh token survives
    assert found.details["refresh_token_survives"] and found.details["self_contained_jwt"]
    assert "throwaway" in found.description
    assert_silent_and_tested(lab_scan(LabSettings.hardened_twin(), CHECK), CHECK)


def test_vault_that_revokes_on_sign_out_is_silent() -> None:
    result, state = vault_scan(VaultOptions(), CHECK)
    assert_silent_and_tested(result, CHECK)
    assert state.sign_outs == 1 and working_session_untouched(state)


def test_vault_that_forgets_nothing_is_found() -> None:
    result, state = vault_scan(VaultOptions(logout_revokes=False), CHECK)
    found = the_finding(result, CHECK)
    assert found.severity == "high" and found.details["refresh_token_survives"]
    assert working_session_untouched(state)
    issued = [*state.access, *state.refresh]
    assert len(issued) >= 4 and no_secret_in(result, *issued, PASSWORD)  # all redacted
    assert "$NINA_THROWAWAY" in str([e.exchange.response for e in found.evidence])


def test_a_surviving_access_token_is_scaled_by_its_remaining_lifetime(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sign-out ends the refresh family but not the access tokens: a 4-minute token is low, a
    30-day one high, each reported with the time it still has to live (and the late replay,
    60 s after logout in scans, 3 s here)."""
    monkeypatch.setattr(_sessions, "LATE", 3.0)
    for lifetime, severity, words in ((240, "low", "4 minutes"), (30 * 86400, "high", "30 days")):
        options = VaultOptions(logout_keeps_access_tokens=True, access_lifetime=lifetime)
        result, state = vault_scan(options, CHECK)
        found = the_finding(result, CHECK)
        assert found.severity == severity, found.description
        assert not found.details["refresh_token_survives"]
        assert found.details["access_token_survives"]
        assert words in found.description, found.description
        assert "3 s later" in found.description
        assert working_session_untouched(state)


def test_an_access_token_revoked_within_the_minute_is_not_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A resource server that learns of the logout a little late (a cache) passes."""
    monkeypatch.setattr(_sessions, "LATE", 4.0)
    options = VaultOptions(logout_keeps_access_tokens=True, access_cache_seconds=3.0)
    result, state = vault_scan(options, CHECK)
    assert_silent_and_tested(result, CHECK)
    assert working_session_untouched(state)


def test_the_spec_logout_is_used_without_endpoints_logout() -> None:
    result, state = vault_scan(VaultOptions(logout_revokes=False), CHECK, endpoints={})
    assert the_finding(result, CHECK).severity == "high"
    assert state.sign_outs == 1 and working_session_untouched(state)


def test_no_logout_endpoint_is_inconclusive_with_the_reason() -> None:
    """A logout that names every session is never called: it would end the scan's own."""
    options = VaultOptions(sign_out_path="/v2/sessions/sign-out-everywhere")
    result, state = vault_scan(options, CHECK, endpoints={})
    reasons = outcomes(result, CHECK)
    assert result.findings == [] and state.sign_outs == 0
    assert any("endpoints.logout" in reason for reason in reasons.values()), reasons
    assert all(t.outcome is not Outcome.PASSED for t in result.tasks if t.check_id == CHECK)
