"""Assertions shared by the oauth- check tests: the lab (vulnerable and hardened) and the
certified provider (strict and weakened) are each scanned once per process."""

from __future__ import annotations

from typing import Any

from authsift.model import Finding, Outcome
from tests.checks.oauth_helpers import family_scan
from tests.checks.oauth_provider import provider_scan


def lab_finding(check_id: str) -> Finding:
    """The one finding of the check on the all-flaws lab."""
    result = family_scan("vulnerable")
    found = [f for f in result.findings if f.check_id == check_id]
    reasons = [t.reason for t in result.tasks if t.check_id == check_id]
    assert len(found) == 1, (found, reasons)
    return found[0]


def assert_lab_hardened_silent(check_id: str) -> None:
    """No finding, no error, and one task that really ran."""
    result = family_scan("hardened")
    found = [f for f in result.findings if f.check_id == check_id]
    assert found == [], found
    tasks = [t for t in result.tasks if t.check_id == check_id]
    assert not [t for t in tasks if t.outcome is Outcome.ERROR], tasks
    ran = [t for t in tasks if "covered elsewhere" not in (t.reason or "")]
    assert len(ran) == 1, tasks
    assert ran[0].outcome in (Outcome.PASSED, Outcome.FINDING, Outcome.SKIPPED), ran[0]


def provider_findings(check_id: str, *, weak: bool) -> list[dict[str, Any]]:
    report = provider_scan(weak)
    assert report["errors"] == [], report["errors"]
    assert [i for i in report["inconclusive"] if i.get("check") == check_id] == []
    return [f for f in report["findings"] if f["check"] == check_id]


def assert_strict_provider_clean(check_id: str) -> None:
    """The certified provider, strictly configured: nothing above info."""
    above_info = [f for f in provider_findings(check_id, weak=False) if f["severity"] != "info"]
    assert above_info == [], above_info
