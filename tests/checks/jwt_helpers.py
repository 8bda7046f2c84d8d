"""Scan a real lab with the bundled config and only the checks under test (jwt family tests).

One lab per test module (module-scoped fixtures in the test files); each scan runs the real
pipeline — logins, preflight, plan, checks, judge — against it and returns the ScanResult.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from authsift.app.demo import lab_config, lab_config_path
from authsift.engine.scan import ScanOptions, run_scan
from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread
from authsift.model import Finding, Outcome, ScanResult


@contextmanager
def lab(settings: LabSettings) -> Iterator[tuple[str, LabSettings]]:
    with run_in_thread(settings) as url:
        yield url, settings


def scan(target: tuple[str, LabSettings], checks: Sequence[str], **overrides: Any) -> ScanResult:
    url, settings = target
    config = lab_config(
        settings, url, {"checks.include": list(checks), "report.formats": ["json"], **overrides}
    )
    return asyncio.run(run_scan(ScanOptions(config=config, config_dir=lab_config_path().parent)))


def findings_of(result: ScanResult, check_id: str) -> list[Finding]:
    return [f for f in result.findings if f.check_id == check_id]


def outcomes(result: ScanResult, check_id: str) -> dict[str, str]:
    """operation key → "outcome: reason" of each task of the check (for failure messages)."""
    return {
        (t.operation.key if t.operation else "*"): f"{t.outcome}: {t.reason}"
        for t in result.tasks
        if t.check_id == check_id
    }


def errors(result: ScanResult) -> list[str]:
    return [
        f"{t.check_id} {t.operation}: {t.reason}"
        for t in result.tasks
        if t.outcome is Outcome.ERROR
    ]


JWT_CHECKS = (
    "jwt-signature-not-verified",
    "jwt-alg-none",
    "jwt-alg-confusion-hmac",
    "jwt-weak-hmac-secret",
    "jwt-header-key-injection",
    "jwt-remote-key-url-injection",
    "jwt-kid-injection",
    "jwt-ecdsa-psychic-signature",
    "jwt-serialization-confusion",
    "jwt-audience-not-validated",
    "jwt-issuer-not-validated",
    "jwt-token-type-confusion",
    "jwt-jwks-key-hygiene",
    "token-expired-accepted",
)
RECOVERING_CHECKS = frozenset(
    {
        "jwt-weak-hmac-secret",
        "jwt-alg-confusion-hmac",
        "jwt-kid-injection",
        "jwt-header-key-injection",
    }
)


@functools.cache
def family_scan(kind: str) -> ScanResult:
    """Every jwt check against the all-flaws lab ("vulnerable") or its hardened twin, scanned
    once per test process and shared by the per-check test modules (the lab stops after)."""
    settings = LabSettings.vulnerable() if kind == "vulnerable" else LabSettings.hardened_twin()
    with lab(settings) as target:
        return scan(target, JWT_CHECKS)


def api_wide(result: ScanResult, check_id: str) -> Finding:
    """The one API-wide finding of the check (fails the test with the task outcomes if none)."""
    wide = [f for f in findings_of(result, check_id) if f.operation is None]
    assert len(wide) == 1, (check_id, findings_of(result, check_id), outcomes(result, check_id))
    return wide[0]


def assert_silent(result: ScanResult, check_id: str) -> None:
    """No finding, no crash, and at least one task that really ran."""
    assert findings_of(result, check_id) == [], findings_of(result, check_id)
    assert errors(result) == []
    ran = [t for t in result.tasks if t.check_id == check_id]
    assert ran, f"{check_id} was not planned"
