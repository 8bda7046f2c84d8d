"""token-expired-accepted by natural expiry (CHECKS.md #31 (a)): a session API whose access
tokens live 3 seconds; the check waits, replays the identity's own old token and measures the
leeway. The §2 offsets are scaled down (seconds, not minutes) so the test stays short."""

from __future__ import annotations

import pytest

from authsift.checks.lifecycle import _expiry_wait as module
from tests.checks.scanning import scan_app_in_process
from tests.checks.token_session_api import (
    PASSWORD_ENV,
    SPEC,
    SessionOptions,
    config_for,
    make_app,
)

CHECK = "token-expired-accepted"


def _scan(options: SessionOptions, wait: float) -> tuple[list[dict[str, object]], str]:
    result, report = scan_app_in_process(
        make_app(options),
        SPEC,
        config_for,
        PASSWORD_ENV,
        CHECK,
        overrides={"lifecycle": {"expiry_wait": wait}},
    )
    outcomes = [t.reason or t.outcome.value for t in result.tasks if t.check_id == CHECK]
    return [f for f in report["findings"] if f["check"] == CHECK], " | ".join(outcomes)


@pytest.fixture
def scaled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "OFFSETS", (1, 3, 6))
    monkeypatch.setattr(module, "PASS", 3)
    monkeypatch.setattr(module, "LATE", 6)


@pytest.mark.usefixtures("scaled")
def test_an_unenforced_expiry_is_found_with_its_leeway() -> None:
    findings, outcome = _scan(SessionOptions(access_lifetime=3, exp_leeway=None), wait=12)
    assert len(findings) == 1, outcome
    finding = findings[0]
    assert finding["severity"] == "high"
    assert finding["details"]["leeway"]["accepted_after_exp_seconds"] >= 6


@pytest.mark.usefixtures("scaled")
def test_a_short_leeway_passes_and_a_long_one_is_low() -> None:
    findings, outcome = _scan(SessionOptions(access_lifetime=3, exp_leeway=0), wait=10)
    assert findings == [] and "passed" in outcome, outcome
    findings, outcome = _scan(SessionOptions(access_lifetime=3, exp_leeway=4), wait=12)
    assert [f["severity"] for f in findings] == ["low"], outcome
    leeway = findings[0]["details"]["leeway"]
    assert leeway["accepted_after_exp_seconds"] >= 3 and leeway["refused_after_exp_seconds"]


def test_a_token_outliving_the_wait_is_inconclusive() -> None:
    findings, outcome = _scan(SessionOptions(access_lifetime=300, exp_leeway=None), wait=5)
    assert findings == [] and "needs an expired token" in outcome, outcome


@pytest.mark.usefixtures("scaled")
def test_an_opaque_token_is_replayed_after_its_expires_in() -> None:
    """CHECKS.md #31 (c): a separate login supplies the opaque token and its `expires_in`."""
    findings, outcome = _scan(
        SessionOptions(access_lifetime=3, exp_leeway=None, opaque_access=True), wait=12
    )
    assert [f["severity"] for f in findings] == ["high"], outcome
    findings, outcome = _scan(
        SessionOptions(access_lifetime=3, exp_leeway=0, opaque_access=True), wait=10
    )
    assert findings == [] and "passed" in outcome, outcome
