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
