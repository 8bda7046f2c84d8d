"""Issue 14 §2: a family or check that did not run reads "not tested" (and why) in every format,
never as a 0 that looks tested and clean."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from authsift.model import CheckEntry, Family, OperationRef, Outcome, ScanResult, TaskResult
from authsift.reports import console, html, json_report, sarif
from authsift.reports.coverage import NO_CHECKS_YET, Coverage, coverage
from tests.reports.test_report_json import validate as validate_json
from tests.reports.test_report_sarif import validate as validate_sarif

ME = OperationRef("GET", "/me")


def task(check: str, outcome: Outcome, reason: str = "") -> TaskResult:
    return TaskResult(check, ME, "alice", outcome, reason)


@pytest.fixture
def result() -> ScanResult:
    """authz: one check ran, one needed intrusive; jwt: one excluded, one cut by the budget;
    apikey, rl, oauth, transport: no checks at all."""
    return ScanResult(
        tool_version="0.1.0",
        target="http://127.0.0.1:8000",
        started_at="2026-11-28T10:00:00Z",
        finished_at="2026-11-28T10:00:09Z",
        checks=[
            CheckEntry("authz-bola-read", Family.AUTHZ, "BOLA read"),
            CheckEntry("authz-bola-write", Family.AUTHZ, "BOLA write"),
            CheckEntry(
                "jwt-alg-none", Family.JWT, "alg none", left_out="excluded by checks.exclude"
            ),
            CheckEntry("jwt-kid-injection", Family.JWT, "kid injection"),
            CheckEntry("token-expired-accepted", Family.TOKEN, "expired token accepted"),
        ],
        tasks=[
            task("authz-bola-read", Outcome.PASSED),
            TaskResult("authz-bola-write", None, None, Outcome.SKIPPED, "needs checks.intrusive"),
            task("jwt-kid-injection", Outcome.NOT_RUN, "budget: max_requests 10 reached"),
            task("token-expired-accepted", Outcome.INCONCLUSIVE, "needs an expired token"),
        ],
    )


def test_each_family_and_check_says_what_ran(result: ScanResult) -> None:
    by_family = {c.family: c for c in coverage(result)}
    assert by_family[Family.APIKEY].status is Coverage.NOT_TESTED
    assert by_family[Family.APIKEY].reason == NO_CHECKS_YET
    authz = by_family[Family.AUTHZ]
    assert authz.status is Coverage.PARTIAL
    assert authz.note == "authz-bola-write not tested (needs checks.intrusive)"
    jwt = by_family[Family.JWT]
    assert jwt.status is Coverage.NOT_TESTED
    assert {c.check_id: c.reason for c in jwt.untested} == {
        "jwt-alg-none": "excluded by checks.exclude",
        "jwt-kid-injection": "budget exhausted",
    }
    token = by_family[Family.TOKEN]
    assert token.status is Coverage.NOT_TESTED
    assert token.reason == "inconclusive where it probed: needs an expired token"


def test_console_never_prints_zero_for_an_untested_family(result: ScanResult) -> None:
    buffer = io.StringIO()
    console.render_console(result, Console(file=buffer, width=200, no_color=True))
    text = buffer.getvalue()
    rows = {
        line.split("·", 1)[1].strip().split("  ")[0]: line
        for line in text.splitlines()
        if re.match(r"\s+\d · ", line)
    }
    assert rows["API keys as the sole authentication"].rstrip().endswith("not tested")
    assert rows["No rate limiting or abuse detection"].rstrip().endswith("not tested")
    assert rows["Improper JWT validation"].rstrip().endswith("not tested")
    authz = rows["Missing or broken authorization (partly tested)"]
    assert authz.rstrip().endswith("0")  # ran, found nothing
    assert NO_CHECKS_YET in text
    assert "Missing or broken authorization (partly tested)" in text
    assert "authz-bola-write not tested (needs checks.intrusive)" in text
    assert "jwt-kid-injection not tested (budget exhausted)" in text


def test_html_summary_says_not_tested(result: ScanResult) -> None:
    page = html.render_html(result)
    summary = page[page.index('id="summary"') : page.index("<h3>Identities")]
    assert summary.count("not tested</strong>") == 6  # apikey, jwt, token, rl, oauth, transport
    assert NO_CHECKS_YET in summary
    assert "authz-bola-write not tested (needs checks.intrusive)" in summary


def test_json_has_a_coverage_section_and_names_untested_families(result: ScanResult) -> None:
    report = json_report.report_dict(result)
    validate_json(json.loads(json.dumps(report)))
    assert report["summary"]["not_tested"] == ["apikey", "jwt", "token", "rl", "oauth", "transport"]
    families = {f["family"]: f for f in report["coverage"]["families"]}
    assert families["authz"]["status"] == "partial"
    assert families["oauth"] == {
        "family": "oauth",
        "mistake": None,
        "title": Family.OAUTH.label,
        "status": "not-tested",
        "reason": NO_CHECKS_YET,
        "findings": 0,
        "checks": [],
    }
    write = next(c for c in families["authz"]["checks"] if c["check"] == "authz-bola-write")
    assert write == {
        "check": "authz-bola-write",
        "title": "BOLA write",
        "status": "not-tested",
        "reason": "needs checks.intrusive",
        "tasks": {"skipped": 1},
    }


def test_sarif_notes_what_was_not_tested(result: ScanResult) -> None:
    log = sarif.sarif_dict(result)
    validate_sarif(log)
    notes = log["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
    texts = [n["message"]["text"] for n in notes]
    assert f"OAuth 2.0 / OpenID Connect misconfiguration: not tested ({NO_CHECKS_YET})." in texts
    assert "authz-bola-write not tested: needs checks.intrusive." in texts
    assert all(n["level"] == "note" for n in notes)
    rules = {n.get("associatedRule", {}).get("id") for n in notes}
    assert "authz-bola-write" in rules


def test_a_complete_scan_has_no_coverage_notes(result: ScanResult) -> None:
    everything = [CheckEntry(f"{family.value}-x", family, "x") for family in Family]
    ran = replace(
        result,
        checks=everything,
        tasks=[task(entry.check_id, Outcome.PASSED) for entry in everything],
    )
    assert all(c.status is Coverage.TESTED for c in coverage(ran))
    run = sarif.sarif_dict(ran)["runs"][0]
    assert "toolConfigurationNotifications" not in run["invocations"][0]
    assert json_report.report_dict(ran)["summary"]["not_tested"] == []


def test_a_hand_built_result_without_catalogue_is_still_honest(result: ScanResult) -> None:
    bare = replace(result, checks=[])
    by_family = {c.family: c for c in coverage(bare)}
    assert by_family[Family.OAUTH].status is Coverage.NOT_TESTED
    assert by_family[Family.AUTHZ].status is Coverage.PARTIAL


def write_all(result: ScanResult, tmp_path: Path) -> dict[str, Any]:
    from authsift.reports import write_reports

    paths = write_reports(result, ["json", "sarif", "html"], out_dir=tmp_path, out_file=None)
    return {p.suffix: p.read_text() for p in paths}


def test_every_file_format_carries_the_coverage(result: ScanResult, tmp_path: Path) -> None:
    files = write_all(result, tmp_path)
    assert "not-tested" in files[".json"]
    assert "toolConfigurationNotifications" in files[".sarif"]
    assert "not tested" in files[".html"]
