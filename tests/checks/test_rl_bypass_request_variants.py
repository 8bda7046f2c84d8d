"""rl-bypass-request-variants: fires on the lab's mobile login (its limiter counts the user name
as typed), silent on the hardened twin and on a case-sensitive service whose variants reach
other accounts (the throwaway's correct password does not log in through them)."""

from __future__ import annotations

from authsift.model import Confidence, Outcome
from tests.checks.jwt_helpers import findings_of, outcomes
from tests.checks.rl_guard_api import SPEC, config_for, make_app
from tests.checks.rl_helpers import rl_scan
from tests.checks.scanning import scan_app_in_process

CHECK = "rl-bypass-request-variants"


def test_fires_on_the_lab_mobile_login() -> None:
    result = rl_scan("vulnerable")
    found = findings_of(result, CHECK)
    assert [f.operation.key for f in found if f.operation] == ["POST /auth/mobile/login"]
    assert found[0].details["variant"] == "the user name's spelling"
    assert found[0].confidence is Confidence.TENTATIVE  # a non-existent name: not re-checked


def test_silent_on_the_hardened_lab() -> None:
    result = rl_scan("hardened")
    assert findings_of(result, CHECK) == [], outcomes(result, CHECK)


def test_silent_when_variants_reach_other_accounts() -> None:
    result, _ = scan_app_in_process(
        make_app("429"),
        SPEC,
        config_for,
        {},
        CHECK,
        overrides={
            "checks": {"include": [CHECK], "intrusive": True},
            "abuse": {**config_for("", "")["abuse"], "max_attempts": 45},
        },
    )
    task = next(t for t in result.tasks if t.check_id == CHECK and t.operation)
    assert findings_of(result, CHECK) == [], task.reason
    assert task.outcome is Outcome.PASSED, task.reason
