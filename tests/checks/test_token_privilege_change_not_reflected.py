"""token-privilege-change-not-reflected: an admin identity suspends a canary account the scan
signed up itself (never a configured identity), then the canary's earlier token is replayed.
The 60 s window of CHECKS.md §2 is scaled down to one second so the test stays short."""

from __future__ import annotations

from typing import Any

import pytest

from authsift.checks.lifecycle import token_privilege_change_not_reflected as module
from tests.checks.scanning import scan_app_in_process
from tests.checks.token_session_api import (
    ACCOUNT_SPEC,
    ADMIN_SPEC,
    PASSWORD_ENV,
    STATE,
    SessionOptions,
    admin_config_for,
    make_app,
)

CHECK = "token-privilege-change-not-reflected"


@pytest.fixture(autouse=True)
def short_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "_WINDOW", 1.0)


def _scan(options: SessionOptions, spec: dict[str, Any] = ADMIN_SPEC) -> tuple[Any, str, Any]:
    app = make_app(options)
    result, report = scan_app_in_process(app, spec, admin_config_for, PASSWORD_ENV, CHECK)
    outcomes = [t.reason or t.outcome.value for t in result.tasks if t.check_id == CHECK]
    return [f for f in report["findings"] if f["check"] == CHECK], " | ".join(outcomes), app


def test_a_suspended_canary_keeps_its_token() -> None:
    findings, outcome, app = _scan(SessionOptions(check_suspended=False))
    assert [f["severity"] for f in findings] == ["high"], outcome
    assert findings[0]["details"]["change"] == "POST /admin/accounts/{login}/suspend"
    state = app[STATE]
    assert state.suspended and state.suspended <= set(state.signed_up)  # only the canary


def test_a_suspension_that_applies_at_once_passes() -> None:
    findings, outcome, _ = _scan(SessionOptions(check_suspended=True))
    assert findings == [] and "passed" in outcome, outcome


def test_without_an_admin_function_nothing_is_changed() -> None:
    findings, outcome, app = _scan(SessionOptions(check_suspended=False), spec=ACCOUNT_SPEC)
    assert findings == [] and "admin operation" in outcome, outcome
    assert not app[STATE].suspended


def _role_of_dave(url: str) -> str:
    import json
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def call(path: str, body: dict[str, str] | None = None, token: str = "") -> Any:
        request = urllib.request.Request(
            url + path,
            data=json.dumps(body).encode() if body else None,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        with opener.open(request) as response:
            return json.load(response)

    carol = call("/auth/login", {"username": "carol", "password": "carol-lab-pass-3"})
    return str(call("/admin/users/5", token=carol["access_token"])["role"])


def test_the_lab_flaw_on_its_disposable_account_role_put_back() -> None:
    """The lab has no sign-up: its disposable account dave (not a scan identity) is raised to
    admin, lowered back to user, and his raised token replayed on GET /admin/users."""
    from authsift.lab.flaws import LabSettings
    from tests.checks.jwt_helpers import lab, scan

    for settings, fires in (
        (LabSettings.only({CHECK}), True),
        (LabSettings.hardened_twin(), False),
    ):
        with lab(settings) as target:
            result = scan(target, [CHECK], **{"checks.intrusive": True})
            assert _role_of_dave(target[0]) == "user"  # put back
        found = [f for f in result.findings if f.check_id == CHECK]
        assert bool(found) is fires, (settings, [f.description for f in found])
        if fires:
            assert found[0].severity == "medium" and "role" in found[0].title
