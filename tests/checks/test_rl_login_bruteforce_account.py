"""rl-login-bruteforce-account: fires on the lab's unthrottled web login, silent on the hardened
twin; on a form-login service unlike the lab, each limit signal (429, lockout wording, growing
delay, a silently refused correct password) is recognised with its threshold, and an unlimited
login is found with the throwaway account's correct password still accepted afterwards."""

from __future__ import annotations

from typing import Any

import pytest

from authsift.model import Confidence, Outcome
from tests.checks.jwt_helpers import findings_of, outcomes
from tests.checks.rl_guard_api import (
    ACCOUNTS,
    SPEC,
    THROWAWAY,
    config_for,
    make_app,
    spec_with_signup,
)
from tests.checks.rl_helpers import rl_scan
from tests.checks.scanning import scan_app_in_process

CHECK = "rl-login-bruteforce-account"


def test_fires_on_the_lab_web_login_only() -> None:
    result = rl_scan("vulnerable")
    found = findings_of(result, CHECK)
    assert [f.operation.key for f in found if f.operation] == ["POST /auth/login"], outcomes(
        result, CHECK
    )
    assert found[0].confidence is Confidence.TENTATIVE  # a non-existent name, 30 < 100 failures
    assert "does not exist" in found[0].description
    assert outcomes(result, CHECK)["POST /auth/mobile/login"].startswith("passed")


def test_silent_on_the_hardened_lab_and_reports_the_threshold() -> None:
    result = rl_scan("hardened")
    assert findings_of(result, CHECK) == []
    assert outcomes(result, CHECK)["POST /auth/login"].startswith("passed")
    limits = result.extras["rate_limits"]
    # 429 after 5 per account, or the per-client quota the other rl checks ran down first
    assert " after " in limits["POST /auth/login"]


def _scan(mode: str, *besides: str) -> tuple[dict[str, str], list[object], dict[str, object]]:
    result, report = scan_app_in_process(
        make_app(mode),  # type: ignore[arg-type]
        SPEC,
        config_for,
        {},
        CHECK,
        overrides={"checks": {"include": [CHECK, *besides], "intrusive": True}},
    )
    tasks = {t.operation.key: t for t in result.tasks if t.check_id == CHECK and t.operation}
    task = tasks["POST /session/login"]
    assert THROWAWAY[1] not in str(report)  # the throwaway's password is redacted
    return (
        {"outcome": str(task.outcome), "reason": task.reason},
        findings_of(result, CHECK),
        dict(result.extras.get("rate_limits") or {}),
    )


@pytest.mark.parametrize(
    ("mode", "signal"),
    [
        ("429", "HTTP 429 Too Many Requests after 4 failures"),
        ("locked", "lockout wording after 4 failures"),
        ("slow", "growing delay"),
        ("silent", "correct password refused afterwards"),
    ],
)
def test_each_limit_signal_is_recognised(mode: str, signal: str) -> None:
    task, found, limits = _scan(mode)
    assert found == [] and task["outcome"] == Outcome.PASSED, task
    assert signal in str(limits["POST /session/login"]), limits


def test_a_limit_another_check_walked_to_first_is_passed_not_inconclusive() -> None:
    """The bypass checks run before this one on a login (plan order) and leave it limited for
    its window; their threshold answers #39, where guessing anew would only meet their limit
    ("already limited before the probe": inconclusive on every API that throttles)."""
    task, found, limits = _scan("429", "rl-bypass-forwarded-headers")
    assert found == [] and task["outcome"] == Outcome.PASSED, task
    assert "HTTP 429 Too Many Requests after" in str(limits["POST /session/login"]), limits


def test_a_client_limit_met_at_the_baseline_is_passed_when_this_scan_measured_it() -> None:
    """Without abuse.account the check guesses at a fresh name, and a per-client limit the
    bypass walk tripped answers its very first baseline failure: passed on that walk's
    threshold, not 'already limited before the probe'."""

    def anonymous_only(url: str, spec: str) -> dict[str, Any]:
        config = config_for(url, spec)
        del config["abuse"]["account"]
        return config

    result, _ = scan_app_in_process(
        make_app("429-client"),
        SPEC,
        anonymous_only,
        {},
        CHECK,
        overrides={
            "checks": {"include": [CHECK, "rl-bypass-forwarded-headers"], "intrusive": True}
        },
    )
    assert findings_of(result, CHECK) == []
    assert outcomes(result, CHECK)["POST /session/login"].startswith("passed"), outcomes(
        result, CHECK
    )
    assert "after" in str(result.extras["rate_limits"]["POST /session/login"])


def test_unlimited_login_found_with_the_throwaway_account() -> None:
    task, found, _ = _scan("none")
    assert len(found) == 1, task
    finding = found[0]
    assert finding.details["correct_password_after"] == 200  # type: ignore[attr-defined]
    assert finding.details["account"] == "abuse.account"  # type: ignore[attr-defined]
    assert finding.confidence is Confidence.TENTATIVE  # type: ignore[attr-defined]  # 25 < 100


def test_without_abuse_account_a_canary_is_signed_up_guessed_at_and_removed() -> None:
    guard = make_app("none", signup=True)

    def without_abuse(url: str, spec: str) -> dict[str, Any]:
        config = config_for(url, spec)
        config["abuse"] = {"max_attempts": 25}
        return config

    result, report = scan_app_in_process(
        guard,
        spec_with_signup(),
        without_abuse,
        {},
        CHECK,
        overrides={"checks": {"include": [CHECK], "intrusive": True}},
    )
    found = findings_of(result, CHECK)
    assert len(found) == 1, outcomes(result, CHECK)
    assert found[0].details["account"] == "canary"
    assert found[0].details["correct_password_after"] == 200
    assert set(guard[ACCOUNTS]) == {THROWAWAY[0]}  # the canary is gone again
    assert "authsift-canary" in str(report) and "Aa1!" not in str(report)  # its password hidden


def test_abuse_rate_paces_the_guesses() -> None:
    def paced(url: str, spec: str) -> dict[str, Any]:
        config = config_for(url, spec)
        config["abuse"] = {**config["abuse"], "max_attempts": 21, "rate": 40}
        return config

    result, _ = scan_app_in_process(
        make_app("none"),
        SPEC,
        paced,
        {},
        CHECK,
        overrides={"checks": {"include": [CHECK], "intrusive": True}},
    )
    task = next(t for t in result.tasks if t.check_id == CHECK and t.operation)
    assert task.requests == 21  # never more than abuse.max_attempts at one endpoint
    assert task.duration >= 20 / 40 * 0.95, task.duration  # 21 requests at 40/s: ≥ 0.5 s
