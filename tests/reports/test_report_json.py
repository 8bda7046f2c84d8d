"""The JSON report: the DESIGN §5 contract, held to its own schema."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from authsift.model import ScanResult
from authsift.reports import ReportLoadError, load_json_report, report_schema
from authsift.reports.common import BODY_LIMIT
from authsift.reports.json_report import render, report_dict


def rendered(result: ScanResult) -> dict[str, Any]:
    buffer = io.StringIO()
    render(result, buffer)
    data: dict[str, Any] = json.loads(buffer.getvalue())
    return data


def validate(report: dict[str, Any]) -> None:
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(report)


def test_full_report_validates_against_its_schema(scan_result: ScanResult) -> None:
    validate(rendered(scan_result))


def test_partial_empty_report_validates_and_says_partial(partial_result: ScanResult) -> None:
    report = rendered(partial_result)
    validate(report)
    assert report["partial"] is True
    assert report["partial_reason"] == "interrupted (Ctrl-C)"
    assert report["findings"] == []
    assert [t["reason"] for t in report["not_run"]] == ["interrupted"]


def test_schema_rejects_a_finding_without_fingerprint(scan_result: ScanResult) -> None:
    report = rendered(scan_result)
    del report["findings"][0]["fingerprint"]
    with pytest.raises(jsonschema.ValidationError):
        validate(report)


def test_top_level_contract(scan_result: ScanResult) -> None:
    report = rendered(scan_result)
    assert report["schema_version"] == 1
    assert report["tool"] == {"name": "authsift", "version": "0.1.0"}
    assert report["target"] == "http://127.0.0.1:8000"
    assert report["stats"]["requests"] == 412
    assert report["tasks"]["total"] == len(scan_result.tasks)
    assert report["tasks"]["error"] == 1
    assert [t["check"] for t in report["errors"]] == ["jwt-kid-injection"]
    assert [t["check"] for t in report["inconclusive"]] == ["authz-bola"]
    assert [t["reason"] for t in report["not_run"]] == ["budget: max_requests 5000 reached"]
    assert report["access_matrix"]["identities"] == ["alice", "bob", "ops"]
    assert report["summary"]["by_severity"] == {
        "critical": 1,
        "high": 2,
        "medium": 2,
        "low": 1,
        "info": 1,
    }
    assert report["summary"]["by_family"]["authz"] == 1  # the accepted bfla is not counted
    assert (report["summary"]["findings"], report["summary"]["accepted"]) == (7, 1)


def test_identities_carry_the_authenticated_share(scan_result: ScanResult) -> None:
    identities = {i["name"]: i for i in rendered(scan_result)["identities"]}
    assert identities["alice"]["authenticated_share"] == pytest.approx(176 / 180)
    assert identities["ops"]["authenticated_share"] is None
    assert identities["ops"]["logged_in"] is False


def test_findings_are_worst_first_with_the_full_finding_shape(scan_result: ScanResult) -> None:
    findings = rendered(scan_result)["findings"]
    assert [f["severity"] for f in findings] == [
        "critical",
        "high",
        "high",
        "medium",
        "medium",
        "low",
        "info",
    ]
    bola = next(f for f in findings if f["check"] == "authz-bola")
    assert bola["mistake"] == 3
    assert bola["family"] == "authz"
    assert bola["cwe"] == [639, 285]
    assert bola["operation"] == {"method": "GET", "path": "/users/{id}"}
    assert (bola["identity"], bola["victim"]) == ("bob", "alice")
    assert [e["label"] for e in bola["evidence"]] == ["owner", "intruder"]
    intruder = bola["evidence"][1]
    assert {"name": "Authorization", "value": "Bearer $BOB_TOKEN"} in intruder["request"]["headers"]
    assert json.loads(intruder["response"]["body"])["email"] == "alice@example.test"
    assert bola["details"] == {"similarity": 0.97, "markers": ["alice@example.test"]}
    oauth = next(f for f in findings if f["family"] == "oauth")
    assert oauth["mistake"] is None
    assert oauth["operation"] is None


def test_repeated_headers_survive(scan_result: ScanResult) -> None:
    bola = rendered(scan_result)["findings"][1]
    cookies = [
        h["value"] for h in bola["evidence"][0]["response"]["headers"] if h["name"] == "Set-Cookie"
    ]
    assert cookies == ["a=1", "b=2"]


def test_large_body_is_truncated_with_a_marker(scan_result: ScanResult) -> None:
    token = next(f for f in rendered(scan_result)["findings"] if f["check"].startswith("token-"))
    body = token["evidence"][0]["response"]["body"]
    assert "[truncated: 8192 of" in body
    assert len(body.encode()) < BODY_LIMIT + 200
    assert token["evidence"][0]["response"]["size"] > BODY_LIMIT


def test_binary_and_capped_bodies_are_described_not_dumped(scan_result: ScanResult) -> None:
    rl = next(f for f in rendered(scan_result)["findings"] if f["check"].startswith("rl-"))
    body = rl["evidence"][0]["response"]["body"]
    assert body.startswith("[binary body, 1024 bytes]")
    assert "response-body cap" in body


def test_failed_exchange_has_error_and_no_response(scan_result: ScanResult) -> None:
    transport = next(f for f in rendered(scan_result)["findings"] if f["family"] == "transport")
    assert transport["evidence"][0]["response"] is None
    assert transport["evidence"][0]["error"] == "timeout"


def test_odd_details_become_json(scan_result: ScanResult) -> None:
    token = next(f for f in rendered(scan_result)["findings"] if f["check"].startswith("token-"))
    assert token["details"]["raw"] == "base64://4="
    assert token["details"]["when"] == ["a", "b"]


def test_accepted_findings_keep_their_reason_and_expiry(scan_result: ScanResult) -> None:
    accepted = rendered(scan_result)["accepted"]
    assert [a["check"] for a in accepted] == ["authz-bfla"]
    assert accepted[0]["suppression"] == {
        "reason": "admin API only reachable over the VPN",
        "expires": "2027-01-31",
    }


def test_extras_never_overwrite_the_contract(scan_result: ScanResult) -> None:
    scan_result.extras["findings"] = ["not a finding"]
    report = report_dict(scan_result)
    assert report["extras"] == {"findings": ["not a finding"]}
    assert len(report["findings"]) == len(scan_result.findings)


def test_load_json_report_round_trip(scan_result: ScanResult, tmp_path: Path) -> None:
    path = tmp_path / "authsift.json"
    with path.open("w") as handle:
        render(scan_result, handle)
    loaded = load_json_report(path)
    assert loaded["findings"][0]["fingerprint"] == "fp-jwt-alg-none-me-alice"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"version": "2.1.0", "runs": []}', "not an authsift JSON report"),
        ('{"tool": "authsift"}', "not an authsift JSON report"),
        ('{"tool": {"name": "authsift"}, "schema_version": 9}', "schema_version 9"),
        (
            '{"tool": {"name": "authsift"}, "schema_version": 1, "findings": [{"check": "x"}]}',
            "findings[0].fingerprint: missing",
        ),
    ],
)
def test_load_json_report_refuses_other_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "previous.json"
    path.write_text(content)
    with pytest.raises(ReportLoadError, match=re.escape(message)) as caught:
        load_json_report(path)
    assert "\n" not in str(caught.value)


def test_load_json_report_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReportLoadError, match="cannot read"):
        load_json_report(tmp_path / "absent.json")
