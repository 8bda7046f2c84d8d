"""transport-cleartext-credentials: the lab (policy.https_only) processing requests its proxy
marks as plain http is found; the hardened lab refuses them; without the policy a loopback
target is a question, not a finding."""

from __future__ import annotations

import asyncio

from authsift.app.demo import lab_config, lab_config_path
from authsift.engine.scan import ScanOptions, run_scan
from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread
from authsift.model import Outcome
from tests.checks.jwt_helpers import assert_silent, outcomes
from tests.checks.transport_helpers import of, transport_scan

CHECK = "transport-cleartext-credentials"


def test_fires_on_the_lab_flaw() -> None:
    result = transport_scan(CHECK)
    found = of(result, CHECK)
    assert len(found) == 1, outcomes(result, CHECK)
    assert found[0].details["hsts"] is None
    assert found[0].evidence[1].exchange.request.header("X-Forwarded-Proto") == "http"


def test_silent_on_the_hardened_lab() -> None:
    result = transport_scan("hardened")
    assert_silent(result, CHECK)
    assert any("passed" in o for o in outcomes(result, CHECK).values())


def test_without_the_policy_a_loopback_target_is_inconclusive() -> None:
    with run_in_thread(LabSettings.only({CHECK})) as url:
        config = lab_config(
            LabSettings.only({CHECK}),
            url,
            {"checks.include": [CHECK], "report.formats": ["json"], "policy.https_only": False},
        )
        result = asyncio.run(
            run_scan(ScanOptions(config=config, config_dir=lab_config_path().parent))
        )
    assert of(result, CHECK) == []
    reasons = [t.reason for t in result.tasks if t.outcome is Outcome.INCONCLUSIVE]
    assert any("X-Forwarded-Proto: http" in r and "https_only" in r for r in reasons), reasons
