"""token-refresh-lifetime-excessive: the refresh token of a separate login, graded from its
`exp − iat` or the answer's `refresh_expires_in`, on a small session API unlike the lab, and on
the lab and its hardened twin."""

from __future__ import annotations

from typing import Any

from tests.checks.scanning import scan_app_in_process
from tests.checks.token_session_api import (
    LOGOUT_SPEC,
    PASSWORD_ENV,
    SPEC,
    SessionOptions,
    config_for,
    make_app,
)

CHECK = "token-refresh-lifetime-excessive"
DAY = 86400


def _scan(
    options: SessionOptions, spec: dict[str, Any] = LOGOUT_SPEC
) -> tuple[list[dict[str, Any]], str]:
    result, report = scan_app_in_process(make_app(options), spec, config_for, PASSWORD_ENV, CHECK)
    outcomes = [t.reason or t.outcome.value for t in result.tasks if t.check_id == CHECK]
    return [f for f in report["findings"] if f["check"] == CHECK], " | ".join(outcomes)


def test_a_day_passes_and_a_quarter_is_low() -> None:
    findings, outcome = _scan(SessionOptions(refresh_lifetime=DAY))
    assert findings == [] and "passed" in outcome, outcome
    findings, _ = _scan(SessionOptions(refresh_lifetime=90 * DAY, jwt_refresh=True, announce=False))
    assert [f["severity"] for f in findings] == ["low"]
    assert findings[0]["details"]["source"] == "exp − iat"


def test_a_refresh_jwt_without_exp_never_expires() -> None:
    findings, _ = _scan(SessionOptions(refresh_lifetime=None, jwt_refresh=True))
    assert [(f["severity"], f["title"]) for f in findings] == [
        ("medium", "Refresh token never expires")
    ]
    findings, _ = _scan(SessionOptions(refresh_lifetime=None, jwt_refresh=True), spec=SPEC)
    assert [f["severity"] for f in findings] == ["high"]  # and nothing revokes it


def test_an_opaque_unannounced_refresh_token_is_inconclusive() -> None:
    findings, outcome = _scan(SessionOptions(refresh_lifetime=None))
    assert findings == [] and "opaque" in outcome, outcome


def test_the_lab_flaw_and_its_hardened_twin() -> None:
    from authsift.lab.flaws import LabSettings
    from tests.checks.jwt_helpers import lab, scan

    for settings, fires in (
        (LabSettings.only({CHECK}), True),
        (LabSettings.hardened_twin(), False),
    ):
        with lab(settings) as target:
            result = scan(target, [CHECK])
        found = [f for f in result.findings if f.check_id == CHECK]
        assert bool(found) is fires, (settings, [f.description for f in found])
