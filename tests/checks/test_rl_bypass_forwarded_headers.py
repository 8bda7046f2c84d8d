"""rl-bypass-forwarded-headers: fires on the lab's mobile login (its limiter trusts
X-Forwarded-For), silent on the hardened twin and on a form-login service that limits per
account whatever the headers say; skipped where no limit exists to bypass."""

from __future__ import annotations

from authsift.model import Outcome
from tests.checks.jwt_helpers import findings_of, outcomes
from tests.checks.rl_guard_api import SPEC, config_for, make_app
from tests.checks.rl_helpers import rl_scan
from tests.checks.scanning import scan_app_in_process

CHECK = "rl-bypass-forwarded-headers"


def test_fires_on_the_lab_mobile_login() -> None:
    result = rl_scan("vulnerable")
    found = findings_of(result, CHECK)
    assert [f.operation.key for f in found if f.operation] == ["POST /auth/mobile/login"]
    assert found[0].details["header"] == "X-Forwarded-For"
    assert outcomes(result, CHECK)["POST /auth/login"].startswith("skipped: no limit to bypass")


def test_silent_on_the_hardened_lab() -> None:
    result = rl_scan("hardened")
    assert findings_of(result, CHECK) == [], outcomes(result, CHECK)


def test_silent_on_a_per_account_limit_that_ignores_headers() -> None:
    result, _ = scan_app_in_process(
        make_app("429"),
        SPEC,
        config_for,
        {},
        CHECK,
        overrides={"checks": {"include": [CHECK], "intrusive": True}},
    )
    task = next(t for t in result.tasks if t.check_id == CHECK and t.operation)
    assert findings_of(result, CHECK) == []
    assert task.outcome is Outcome.PASSED, task.reason
