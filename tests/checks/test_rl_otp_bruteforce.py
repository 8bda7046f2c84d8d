"""rl-otp-bruteforce: on the lab's password-reset codes, with bob as the throwaway account (and
bob not a scan identity in this config): no failure limit → found; the hardened twin burns the
code after 5 wrong ones → silent. Without abuse.account the check does not run at all."""

from __future__ import annotations

from typing import Any

from authsift.app.demo import lab_config
from authsift.checks.base import registry
from authsift.lab.flaws import LabSettings
from authsift.model import ScanResult
from authsift.plan import Capabilities, IdentityInfo, needs_met
from tests.checks.jwt_helpers import findings_of, lab, outcomes

CHECK = "rl-otp-bruteforce"
CONFIRM = "POST /auth/password-reset/confirm"


def _scan(settings: LabSettings, **extra: Any) -> ScanResult:
    import asyncio

    from authsift.app.demo import lab_config_path
    from authsift.engine.scan import ScanOptions, run_scan

    with lab(settings) as (url, _):
        base = lab_config(settings, url)
        identities = [i.model_dump(by_alias=True) for i in base.identities if i.name != "bob"]
        resources = {k: v for k, v in base.model_dump()["resources"].items() if k != "bob"}
        overrides: dict[str, Any] = {
            "identities": identities,
            "resources": resources,
            "checks.include": [CHECK],
            "checks.intrusive": True,
            "abuse.max_attempts": 25,
            "abuse.account": {"username": "bob", "password": "bob-lab-pass-2"},
            "report.formats": ["json"],
            **extra,
        }
        config = base.override(overrides)
        options = ScanOptions(config=config, config_dir=lab_config_path().parent)
        return asyncio.run(run_scan(options))


def test_fires_on_the_lab_reset_codes() -> None:
    result = _scan(LabSettings.vulnerable())
    found = findings_of(result, CHECK)
    assert [f.operation.key for f in found if f.operation] == [CONFIRM], outcomes(result, CHECK)
    assert "bob-lab-pass-2" not in str(found[0])


def test_silent_on_the_hardened_lab() -> None:
    # the CAPTCHA on the reset request is the lab's other flaw: leave it open so that a code
    # can be requested, and only the code limit differs
    result = _scan(LabSettings.only(["rl-captcha-not-enforced"]))
    assert findings_of(result, CHECK) == []
    outcome = outcomes(result, CHECK)[CONFIRM]
    assert outcome.startswith("passed"), outcome
    assert "after" in result.extras["rate_limits"][CONFIRM]


def test_not_planned_without_a_throwaway_account() -> None:
    check = registry()[CHECK]()
    who = [IdentityInfo("alice", "user", False, "login")]
    assert needs_met(check, who, Capabilities(login=True)) == (
        "needs a throwaway account (abuse.account)"
    )
    assert needs_met(check, who, Capabilities(login=True, abuse_account=True)) is None
