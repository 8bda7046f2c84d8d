"""token-access-lifetime-excessive: graded from the token's `exp − iat` or the login answer's
`expires_in`, on a small session API unlike the lab, and on the lab and its hardened twin."""

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

CHECK = "token-access-lifetime-excessive"


def _scan(
    options: SessionOptions, spec: dict[str, Any] = LOGOUT_SPEC, **policy: Any
) -> tuple[list[dict[str, Any]], str]:
    result, report = scan_app_in_process(
        make_app(options),
        spec,
        config_for,
        PASSWORD_ENV,
        CHECK,
        overrides={"policy": policy} if policy else None,
    )
    outcomes = [t.reason or t.outcome.value for t in result.tasks if t.check_id == CHECK]
    return [f for f in report["findings"] if f["check"] == CHECK], " | ".join(outcomes)


def test_an_hour_passes_and_longer_is_graded_by_the_thresholds() -> None:
    findings, outcome = _scan(SessionOptions(access_lifetime=3600))
    assert findings == [] and "passed" in outcome, outcome
    findings, _ = _scan(SessionOptions(access_lifetime=7200))
    assert [f["severity"] for f in findings] == ["low"]
    assert findings[0]["details"]["lifetimes"]["mia"]["seconds"] == 7200
    findings, _ = _scan(SessionOptions(access_lifetime=40 * 86400))
    assert [f["severity"] for f in findings] == ["high"]


def test_the_policy_moves_the_bound() -> None:
    findings, outcome = _scan(SessionOptions(access_lifetime=7200), max_access_token_lifetime=7200)
    assert findings == [] and "passed" in outcome, outcome


def test_no_way_to_revoke_raises_the_severity() -> None:
    findings, _ = _scan(SessionOptions(access_lifetime=7200), spec=SPEC)
    assert [f["severity"] for f in findings] == ["medium"]
    assert findings[0]["details"]["revocation_paths"] == []


def test_a_token_without_exp_never_expires() -> None:
    findings, _ = _scan(SessionOptions(access_lifetime=None))
    assert [(f["severity"], f["title"]) for f in findings] == [
        ("high", "Access token never expires")
    ]
    assert findings[0]["evidence"], "the login answer that issued it"


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
