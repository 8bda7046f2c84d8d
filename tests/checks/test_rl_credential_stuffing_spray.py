"""rl-credential-stuffing-spray: fires on the lab's web login (no per-client limit), silent on
the hardened twin (20 failures per client) and on the lab's mobile login (limited everywhere)."""

from __future__ import annotations

from authsift.model import Severity
from tests.checks.jwt_helpers import findings_of, outcomes
from tests.checks.rl_helpers import rl_scan

CHECK = "rl-credential-stuffing-spray"


def test_fires_on_the_lab_web_login_only() -> None:
    result = rl_scan("vulnerable")
    found = findings_of(result, CHECK)
    assert [f.operation.key for f in found if f.operation] == ["POST /auth/login"], outcomes(
        result, CHECK
    )
    # the per-account limit is missing on the same login too (rl-login-bruteforce-account),
    # when that check ran first; otherwise the finding stays medium
    assert found[0].severity in (Severity.MEDIUM, Severity.HIGH)
    # limited: the client quota, or already spent by the checks that went first
    mobile = outcomes(result, CHECK)["POST /auth/mobile/login"]
    assert mobile.startswith(("passed", "inconclusive: already limited")), mobile


def test_silent_on_the_hardened_lab() -> None:
    result = rl_scan("hardened")
    assert findings_of(result, CHECK) == [], outcomes(result, CHECK)
    assert outcomes(result, CHECK)["POST /auth/login"].startswith("passed")
