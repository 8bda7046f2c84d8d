"""token-not-revoked-on-password-change: on a canary account the scan signs up itself (never a
configured identity), two sessions, the password changed through one, the other replayed. The
60 s window of CHECKS.md §2 is scaled down to one second so the test stays short."""

from __future__ import annotations

from typing import Any

import pytest

from authsift.checks.lifecycle import token_not_revoked_on_password_change as module
from tests.checks.scanning import scan_app_in_process
from tests.checks.token_session_api import (
    ACCOUNT_SPEC,
    PASSWORD_ENV,
    PASSWORDS,
    SPEC,
    STATE,
    SessionOptions,
    config_for,
    make_app,
)

CHECK = "token-not-revoked-on-password-change"


@pytest.fixture(autouse=True)
def short_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "_WINDOW", 1.0)


def _scan(options: SessionOptions, spec: dict[str, Any] = ACCOUNT_SPEC) -> tuple[Any, str, Any]:
    app = make_app(options)
    result, report = scan_app_in_process(app, spec, config_for, PASSWORD_ENV, CHECK)
    outcomes = [t.reason or t.outcome.value for t in result.tasks if t.check_id == CHECK]
    return [f for f in report["findings"] if f["check"] == CHECK], " | ".join(outcomes), app


def test_a_surviving_session_is_found_on_a_canary_only() -> None:
    findings, outcome, app = _scan(
        SessionOptions(access_lifetime=7 * 86400, revoke_on_password_change=False)
    )
    assert len(findings) == 1, outcome
    assert findings[0]["severity"] == "high"  # a week-long token no password change ends
    state = app[STATE]
    assert state.signed_up and all(name.startswith("authsift") for name in state.signed_up)
    assert {n: state.passwords[n] for n in PASSWORDS} == PASSWORDS  # configured: untouched
    assert not any(n in state.passwords for n in state.signed_up)  # the canary was deleted
    assert "Aa1!" not in str(findings)  # neither password is in the report


def test_revoked_sessions_pass() -> None:
    findings, outcome, _ = _scan(SessionOptions(revoke_on_password_change=True))
    assert findings == [] and "passed" in outcome, outcome


def test_without_sign_up_it_never_touches_a_configured_identity() -> None:
    findings, outcome, app = _scan(SessionOptions(revoke_on_password_change=False), spec=SPEC)
    assert findings == [] and "no password-change operation" in outcome, outcome
    assert app[STATE].passwords == PASSWORDS


def _logs_in(url: str, username: str, password: str) -> bool:
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url + "/auth/login",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request) as response:
            return bool(response.status == 200)
    except urllib.error.HTTPError:
        return False


def test_the_lab_flaw_on_its_disposable_account_changed_back() -> None:
    """The lab has no sign-up: its config names dave (`lifecycle.accounts`), not a scan
    identity, whose password is changed and changed back."""
    from authsift.lab.flaws import LabSettings
    from authsift.reports.json_report import report_dict
    from tests.checks.jwt_helpers import lab, scan

    for settings, fires in (
        (LabSettings.only({CHECK}), True),
        (LabSettings.hardened_twin(), False),
    ):
        with lab(settings) as target:
            result = scan(target, [CHECK], **{"checks.intrusive": True})
            assert _logs_in(target[0], "dave", "dave-lab-pass-5")  # changed back
        found = [f for f in result.findings if f.check_id == CHECK]
        assert bool(found) is fires, (settings, [f.description for f in found])
        if fires:
            assert found[0].severity == "high" and found[0].details["refresh_token_survives"]
            shown = str(report_dict(result))
            assert "dave-lab-pass-5" not in shown and "$DAVE_PASSWORD" in shown
