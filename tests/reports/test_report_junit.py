"""JUnit XML: one suite per check, one case per task, every outcome in its JUnit state."""

from __future__ import annotations

import dataclasses
import io
import xml.etree.ElementTree as ET

from authsift.model import Evidence as EvidenceItem
from authsift.model import Exchange, HttpRequest, HttpResponse, ScanResult
from authsift.reports.junit import render


def parsed(result: ScanResult) -> ET.Element:
    buffer = io.StringIO()
    render(result, buffer)
    text = buffer.getvalue()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text)


def suites(root: ET.Element) -> dict[str, ET.Element]:
    return {suite.get("name", ""): suite for suite in root.iter("testsuite")}


def test_parses_with_a_suite_per_check(scan_result: ScanResult) -> None:
    root = parsed(scan_result)
    checks = {t.check_id for t in scan_result.tasks}
    assert set(suites(root)) == checks
    assert root.get("tests") == str(sum(len(s.findall("testcase")) for s in root))


def test_counts_match_the_outcomes(scan_result: ScanResult) -> None:
    root = parsed(scan_result)
    assert root.get("failures") == str(len(scan_result.findings))
    assert root.get("errors") == "1"
    # inconclusive + not-run + skipped + the accepted finding
    assert root.get("skipped") == "4"
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(sum(1 for c in cases if c.find("failure") is not None))


def test_findings_are_failures_with_evidence_and_reproduction(scan_result: ScanResult) -> None:
    bola = suites(parsed(scan_result))["authz-bola"]
    cases = {c.get("name"): c for c in bola.findall("testcase")}
    assert set(cases) == {
        "GET /users/{id} as bob",
        "GET /users/{id} as alice",
        "GET /orders/{id} as bob",
    }
    failure = cases["GET /users/{id} as bob"].find("failure")
    assert failure is not None
    assert failure.get("message") == "Bob can read Alice's user record"
    assert failure.get("type") == "high"
    text = failure.text or ""
    assert "owner: GET http://127.0.0.1:8000/users/1 → 200" in text
    assert "intruder: GET http://127.0.0.1:8000/users/1 → 200" in text
    assert "similarity: 0.97" in text
    assert "curl -H 'Authorization: Bearer $BOB_TOKEN'" in text
    assert cases["GET /users/{id} as alice"].find("*") is None  # passed: no child element
    skipped = cases["GET /orders/{id} as bob"].find("skipped")
    assert skipped is not None
    assert (
        skipped.get("message") == "inconclusive: valid and rejected baselines are indistinguishable"
    )


def test_errors_not_run_skipped_and_accepted(scan_result: ScanResult) -> None:
    by_check = suites(parsed(scan_result))
    error = by_check["jwt-kid-injection"].find("testcase/error")
    assert error is not None and error.get("message") == "KeyError: 'kid'"
    messages = [s.get("message") for s in by_check["jwt-alg-none"].iter("skipped")]
    assert messages == ["not-run: budget: max_requests 5000 reached"]
    burst = by_check["rl-burst"].find("testcase")
    assert burst is not None and burst.get("name") == "GET /search"
    accepted = by_check["authz-bfla"].find("testcase/skipped")
    assert accepted is not None
    assert accepted.get("message") == (
        "accepted risk: Users can call the admin user list: admin API only reachable over the VPN"
    )


def test_finding_without_a_task_still_fails(scan_result: ScanResult) -> None:
    scan_result.tasks = []
    root = parsed(scan_result)
    assert root.get("failures") == str(len(scan_result.findings))
    api_wide = suites(root)["oauth-metadata-none-alg"].find("testcase")
    assert api_wide is not None and api_wide.get("name") == "API-wide"


def test_control_characters_in_bodies_do_not_break_the_xml(scan_result: ScanResult) -> None:
    finding = scan_result.findings[0]
    nasty = Exchange(
        99,
        HttpRequest("GET", "http://127.0.0.1:8000/x\x1b[31m"),
        HttpResponse(200, body=b"ok"),
        identity="alice",
    )
    scan_result.findings[0] = dataclasses.replace(
        finding, title="bell\x07 in title", evidence=(EvidenceItem("odd\x01label", nasty),)
    )
    root = parsed(scan_result)
    messages = [f.get("message") for f in root.iter("failure")]
    assert "bell\ufffd in title" in messages


def test_partial_scan_with_no_tasks_left_is_still_valid(partial_result: ScanResult) -> None:
    root = parsed(partial_result)
    assert root.get("skipped") == "1"
    assert root.get("failures") == "0"
