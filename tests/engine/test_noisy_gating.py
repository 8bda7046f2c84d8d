"""The NOISY safety class: off unless `--noisy` or `checks.include` names it; POSTing ones also
need `checks.intrusive`. The `abuse:` section reaches checks through `ScanFacts.settings`."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import ClassVar

from typer.testing import CliRunner

from authsift.checks.base import Check, Context
from authsift.cli import app
from authsift.config import Config
from authsift.engine.scan import scan_facts
from authsift.model import Family, Finding, Operation, RequestBody, Safety, Severity
from authsift.plan import NOISY_OFF, IdentityInfo, make_plan, noisy_named
from tests.conftest import write_yaml


class _Noisy(Check):
    """Test double."""

    abstract = True
    id = "rl-test-noisy-double"
    title = "noisy double"
    family = Family.RATELIMIT
    severity = Severity.LOW
    cwe = (307,)
    owasp = "API4:2023"
    safety = Safety.NOISY
    sends_writes: ClassVar[bool] = True

    def noisy_estimate(self, operation: Operation | None, max_attempts: int) -> int:
        return max_attempts + 3

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        return
        yield  # pragma: no cover


OPS = [Operation("POST", "/login", request_body=RequestBody("application/json", {}))]
WHO = [IdentityInfo("alice", "user", False, "login")]


def _plan(**kwargs: object) -> tuple[list[str], list[str]]:
    plan = make_plan({"rl-test-noisy-double": _Noisy()}, OPS, WHO, **kwargs)  # type: ignore[arg-type]
    return [t.check_id for t in plan.tasks], [s.reason for s in plan.skipped]


def test_noisy_checks_are_off_by_default_even_when_intrusive() -> None:
    tasks, reasons = _plan(intrusive=True)
    assert not tasks and reasons == [NOISY_OFF]
    assert "noisy: off unless --noisy or checks.include" in NOISY_OFF


def test_noisy_flag_or_naming_the_check_or_family_turns_them_on() -> None:
    assert _plan(intrusive=True, noisy=True)[0] == ["rl-test-noisy-double"]
    for include in (["rl"], ["rl-test-noisy-double"]):
        assert _plan(intrusive=True, noisy_names=noisy_named(include))[0]
    assert not _plan(intrusive=True, noisy_names=noisy_named(["all"]))[0]  # a blanket selection


def test_a_posting_noisy_check_still_needs_intrusive_and_scales_with_max_attempts() -> None:
    tasks, reasons = _plan(noisy=True)
    assert not tasks and reasons == ["needs checks.intrusive (it sends POSTs)"]
    plan = make_plan(
        {"rl-test-noisy-double": _Noisy()}, OPS, WHO, noisy=True, intrusive=True, max_attempts=20
    )
    assert [t.estimate for t in plan.tasks] == [23]


def test_abuse_settings_reach_checks_and_the_password_is_a_secret(monkeypatch: object) -> None:
    config = Config.model_validate(
        {
            "target": "http://127.0.0.1:1",
            "identities": [{"name": "a", "auth": {"type": "bearer", "token": "t" * 20}}],
            "checks": {"noisy": True},
            "abuse": {
                "max_attempts": 25,
                "account": {"username": "throwaway", "password": "sacrificial-pw-1"},
            },
        }
    )
    abuse = scan_facts(config).settings["abuse"]
    assert abuse == {
        "max_attempts": 25,
        "rate": None,
        "account": {"username": "throwaway", "password": "sacrificial-pw-1"},
    }
    assert config.secrets()["sacrificial-pw-1"] == "$ABUSE_PASSWORD"
    assert config.checks.noisy


def test_dry_run_counts_the_noisy_requests_apart(tmp_path: Path) -> None:
    from tests.checks.rl_guard_api import SPEC

    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(SPEC))
    config = {
        "target": "http://127.0.0.1:9",
        "spec": str(spec),
        "identities": [{"name": "ops", "auth": {"type": "bearer", "token": "t" * 20}}],
        "abuse": {"max_attempts": 30},
    }
    path = write_yaml(tmp_path / "authsift.yaml", config)
    runner = CliRunner()
    quiet = runner.invoke(app, ["scan", "-c", str(path), "--dry-run", "--intrusive"])
    assert quiet.exit_code == 0, quiet.output
    assert "noisy: off unless --noisy" in quiet.output and "noisy checks (" not in quiet.output
    loud = runner.invoke(app, ["scan", "-c", str(path), "--dry-run", "--intrusive", "--noisy"])
    assert loud.exit_code == 0, loud.output
    assert "rl-login-bruteforce-account" in loud.output
    assert "noisy checks (rl-bypass-forwarded-headers" in " ".join(loud.output.split())
    # the noisy count is a range: few requests where the logins throttle, up to
    # abuse.max_attempts per login where they do not (no single number fits both)
    said = " ".join(loud.output.split())
    match = re.search(r"~(\d+) requests where the API limits them, ~(\d+)", said)
    assert match is not None, said
    throttled, unthrottled = int(match[1]), int(match[2])
    assert 0 < throttled < unthrottled
    assert unthrottled >= 2 * 30  # brute force and spraying each walk all 30 on a login
