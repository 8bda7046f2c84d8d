"""Suppressions and baselines: accepted risks move aside with a reason, and come back on expiry."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import logging
from pathlib import Path

import pytest

from authsift.model import (
    Confidence,
    Family,
    Finding,
    OperationRef,
    ScanResult,
    Severity,
    SuppressedFinding,
)
from authsift.reports.json_report import render
from authsift.reports.triage import (
    Suppression,
    TriageError,
    apply_suppressions,
    expired_suppressions,
    load_baseline_fingerprints,
    load_suppressions,
    only_new,
)

TODAY = dt.date(2026, 11, 28)


def finding(check: str, method: str | None, path: str | None, fingerprint: str) -> Finding:
    return Finding(
        check_id=check,
        title=f"{check} finding",
        severity=Severity.HIGH,
        confidence=Confidence.FIRM,
        family=Family.AUTHZ,
        cwe=(285,),
        owasp="API5:2023",
        operation=OperationRef(method, path) if method and path else None,
        identity="bob",
        description="",
        evidence=(),
        reproduce="curl ...",
        remediation="",
        fingerprint=fingerprint,
    )


ADMIN_USERS = finding("authz-bfla", "GET", "/admin/users", "fp-1")
ADMIN_USER = finding("authz-bfla", "GET", "/admin/users/{id}", "fp-2")
ADMIN_DELETE = finding("authz-bfla", "DELETE", "/admin/users/{id}", "fp-3")
BOLA = finding("authz-bola", "GET", "/users/{id}", "fp-4")
API_WIDE = finding("authz-bfla", None, None, "fp-5")
ALL = [ADMIN_USERS, ADMIN_USER, ADMIN_DELETE, BOLA, API_WIDE]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "authsift.ignore.yaml"
    path.write_text(text)
    return path


def test_load_a_complete_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
suppressions:
  - fingerprint: fp-4
    reason: test data only
  - check: authz-bfla
    operation: "GET /admin/*"
    reason: admin API is VPN-only
    expires: 2027-01-31
  - check: authz-bola
    reason: whole check accepted
    expires: "2026-12-01"
""",
    )
    assert load_suppressions(path) == [
        Suppression(reason="test data only", fingerprint="fp-4"),
        Suppression(
            reason="admin API is VPN-only",
            check="authz-bfla",
            operation="GET /admin/*",
            expires=dt.date(2027, 1, 31),
        ),
        Suppression(
            reason="whole check accepted", check="authz-bola", expires=dt.date(2026, 12, 1)
        ),
    ]


def test_empty_file_means_no_suppressions(tmp_path: Path) -> None:
    assert load_suppressions(write(tmp_path, "")) == []
    assert load_suppressions(write(tmp_path, "suppressions: []\n")) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "suppressions:\n  - {fingerprint: a, reason: r}\n  - {fingerprint: b, reason: r}\n"
            "  - {fingerprint: c}\n",
            "authsift.ignore.yaml: suppressions[2].reason: required",
        ),
        (
            "suppressions:\n  - {fingerprint: a, reason: '  '}\n",
            "suppressions[0].reason: must not be empty",
        ),
        ("suppressions:\n  - {reason: r}\n", "suppressions[0]: needs a fingerprint or a check"),
        (
            "suppressions:\n  - {fingerprint: a, check: b, reason: r}\n",
            "suppressions[0]: give either fingerprint or check (+ operation), not both",
        ),
        (
            "suppressions:\n  - {check: a, operation: /admin, reason: r}\n",
            "suppressions[0].operation: expected 'METHOD /path' (globs allowed), got '/admin'",
        ),
        (
            "suppressions:\n  - {check: a, reason: r, expires: soon}\n",
            "suppressions[0].expires: expected a date like 2027-01-31, got 'soon'",
        ),
        (
            "suppressions:\n  - {check: a, reason: r, until: 2027-01-01}\n",
            "suppressions[0].until: unknown key",
        ),
        (
            "suppressions:\n  - {check: [a], reason: r}\n",
            "suppressions[0].check: expected a string",
        ),
        ("suppressions:\n  - just a string\n", "suppressions[0]: expected a mapping"),
        ("suppressions: {check: a}\n", "authsift.ignore.yaml: suppressions: expected a list"),
        ("ignore: []\n", "authsift.ignore.yaml: ignore: unknown key"),
        ("- a\n- b\n", "expected a mapping with a 'suppressions' list"),
        ("suppressions: [\n", "authsift.ignore.yaml: not valid YAML at line 2"),
    ],
)
def test_errors_name_the_entry_in_one_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(TriageError) as caught:
        load_suppressions(write(tmp_path, text))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_file_is_a_triage_error(tmp_path: Path) -> None:
    with pytest.raises(TriageError, match=r"authsift\.ignore\.yaml: cannot read"):
        load_suppressions(tmp_path / "authsift.ignore.yaml")


def test_fingerprint_matches_exactly_one_finding() -> None:
    kept, accepted = apply_suppressions(ALL, [Suppression("fp", fingerprint="fp-4")], TODAY)
    assert [a.finding for a in accepted] == [BOLA]
    assert accepted[0].reason == "fp"
    assert kept == [ADMIN_USERS, ADMIN_USER, ADMIN_DELETE, API_WIDE]


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("GET /admin/*", [ADMIN_USERS, ADMIN_USER]),
        ("get /admin/*", [ADMIN_USERS, ADMIN_USER]),
        ("* /admin/users/*", [ADMIN_USER, ADMIN_DELETE]),
        ("DELETE /admin/users/{id}", [ADMIN_DELETE]),
        ("GET /admin", []),
        ("GET /Admin/*", []),
        ("*", [ADMIN_USERS, ADMIN_USER, ADMIN_DELETE, API_WIDE]),
        (None, [ADMIN_USERS, ADMIN_USER, ADMIN_DELETE, API_WIDE]),
    ],
)
def test_check_and_operation_glob(operation: str | None, expected: list[Finding]) -> None:
    rule = Suppression("accepted", check="authz-bfla", operation=operation)
    kept, accepted = apply_suppressions(ALL, [rule], TODAY)
    assert [a.finding for a in accepted] == expected
    assert BOLA in kept
    assert len(kept) + len(accepted) == len(ALL)


def test_expiry_is_inclusive_then_the_finding_comes_back(caplog: pytest.LogCaptureFixture) -> None:
    rule = Suppression("until the fix ships", fingerprint="fp-4", expires=dt.date(2026, 11, 28))
    kept, accepted = apply_suppressions([BOLA], [rule], TODAY)
    assert (kept, [a.expires for a in accepted]) == ([], ["2026-11-28"])

    with caplog.at_level(logging.WARNING, logger="authsift.reports.triage"):
        kept, accepted = apply_suppressions([BOLA], [rule], TODAY + dt.timedelta(days=1))
    assert (kept, accepted) == ([BOLA], [])
    assert (
        "suppression fingerprint fp-4 expired on 2026-11-28; fp-4 is reported again" in caplog.text
    )
    assert expired_suppressions([rule], TODAY + dt.timedelta(days=1)) == [rule]
    assert expired_suppressions([rule], TODAY) == []


def test_a_live_rule_wins_over_an_expired_one() -> None:
    stale = Suppression("old", fingerprint="fp-4", expires=dt.date(2020, 1, 1))
    fresh = Suppression("renewed", check="authz-bola", expires=dt.date(2027, 1, 1))
    kept, accepted = apply_suppressions([BOLA], [stale, fresh], TODAY)
    assert kept == []
    assert accepted[0].reason == "renewed"


def write_report(tmp_path: Path, findings: list[Finding]) -> Path:
    result = ScanResult(
        tool_version="0.1.0",
        target="http://127.0.0.1:8000",
        started_at="2026-11-28T10:00:00Z",
        finished_at="2026-11-28T10:01:00Z",
        findings=findings,
        suppressed=[SuppressedFinding(ADMIN_USER, "accepted last time", None)],
    )
    buffer = io.StringIO()
    render(result, buffer)
    path = tmp_path / "previous.json"
    path.write_text(buffer.getvalue())
    return path


def test_baseline_keeps_only_new_findings(tmp_path: Path) -> None:
    previous = write_report(tmp_path, [ADMIN_USERS, BOLA])
    known = load_baseline_fingerprints(previous)
    assert known == frozenset({"fp-1", "fp-4"})  # the accepted fp-2 is not "known"
    renamed = dataclasses.replace(BOLA, title="new title, same fingerprint")
    assert only_new([ADMIN_USERS, renamed, ADMIN_DELETE, API_WIDE], known) == [
        ADMIN_DELETE,
        API_WIDE,
    ]


def test_baseline_must_be_an_authsift_json_report(tmp_path: Path) -> None:
    sarif = tmp_path / "authsift.sarif"
    sarif.write_text(json.dumps({"version": "2.1.0", "runs": []}))
    with pytest.raises(TriageError, match="not an authsift JSON report") as caught:
        load_baseline_fingerprints(sarif)
    assert str(caught.value).startswith("--baseline ")
    with pytest.raises(TriageError, match="cannot read"):
        load_baseline_fingerprints(tmp_path / "nope.json")
