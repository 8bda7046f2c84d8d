"""SARIF 2.1.0: valid against the official OASIS schema, and useful to code-scanning UIs."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from authsift.model import ScanResult
from authsift.reports.sarif import render

OFFICIAL_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


def rendered(result: ScanResult) -> dict[str, Any]:
    buffer = io.StringIO()
    render(result, buffer)
    data: dict[str, Any] = json.loads(buffer.getvalue())
    return data


def validate(log: dict[str, Any]) -> None:
    schema = json.loads(OFFICIAL_SCHEMA.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class(schema).validate(log)


def run_of(result: ScanResult) -> dict[str, Any]:
    run: dict[str, Any] = rendered(result)["runs"][0]
    return run


def test_validates_against_the_official_schema(scan_result: ScanResult) -> None:
    log = rendered(scan_result)
    validate(log)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


def test_empty_partial_scan_validates_and_reports_unsuccessful(partial_result: ScanResult) -> None:
    log = rendered(partial_result)
    validate(log)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "interrupted" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    assert log["runs"][0]["results"] == []


def test_schema_catches_a_broken_log(scan_result: ScanResult) -> None:
    log = rendered(scan_result)
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        validate(log)


def test_rules_are_the_checks_that_found_something(scan_result: ScanResult) -> None:
    rules = {r["id"]: r for r in run_of(scan_result)["tool"]["driver"]["rules"]}
    expected = {f.check_id for f in scan_result.findings} | {"authz-bfla"}
    assert set(rules) == expected
    bola = rules["authz-bola"]
    assert bola["name"] == "AuthzBola"
    assert (
        bola["helpUri"]
        == "https://github.com/authsift/authsift/blob/main/docs/checks/authz-bola.md"
    )
    assert {"security", "external/cwe/cwe-639", "external/cwe/cwe-285"} <= set(
        bola["properties"]["tags"]
    )
    assert bola["properties"]["precision"] == "very-high"
    assert bola["properties"]["security-severity"] == "8.0"
    assert bola["defaultConfiguration"]["level"] == "error"
    assert rules["jwt-alg-none"]["properties"]["security-severity"] == "9.5"
    assert rules["apikey-sole-user-auth"]["properties"]["precision"] == "high"
    assert rules["rl-login-no-throttling"]["properties"]["precision"] == "medium"
    assert rules["rl-login-no-throttling"]["defaultConfiguration"]["level"] == "warning"
    assert rules["oauth-metadata-none-alg"]["defaultConfiguration"]["level"] == "note"


def test_results_name_the_operation_and_carry_the_fingerprint(scan_result: ScanResult) -> None:
    run = run_of(scan_result)
    rules = run["tool"]["driver"]["rules"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    bola = by_rule["authz-bola"]
    assert rules[bola["ruleIndex"]]["id"] == "authz-bola"
    assert bola["level"] == "error"
    logical = bola["locations"][0]["logicalLocations"][0]
    assert logical == {
        "fullyQualifiedName": "GET /users/{id}",
        "name": "GET /users/{id}",
        "kind": "function",
    }
    assert bola["partialFingerprints"] == {"authsift/v1": "fp-authz-bola-users-bob-alice"}
    assert bola["properties"]["identity"] == "bob"
    assert bola["properties"]["victim"] == "alice"
    assert bola["properties"]["confidence"] == "certain"
    assert "$BOB_TOKEN" in bola["properties"]["reproduce"]
    assert bola["webResponse"]["statusCode"] == 200
    assert bola["webResponse"]["headers"]["Set-Cookie"] == "a=1, b=2"
    assert "physicalLocation" not in bola["locations"][0]  # no spec file in this scan
    assert by_rule["transport-token-in-url"]["level"] == "note"
    assert "webResponse" not in by_rule["transport-token-in-url"]
    api_wide = by_rule["oauth-metadata-none-alg"]["locations"][0]["logicalLocations"][0]
    assert api_wide["fullyQualifiedName"] == "API-wide"


def test_only_suppressed_findings_carry_suppressions(scan_result: ScanResult) -> None:
    results = run_of(scan_result)["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert [r["ruleId"] for r in suppressed] == ["authz-bfla"]
    assert suppressed[0]["suppressions"] == [
        {
            "kind": "external",
            "justification": "admin API only reachable over the VPN (until 2027-01-31)",
        }
    ]
    assert len(results) == len(scan_result.findings) + 1


def test_local_spec_file_gives_a_physical_location_on_the_path_line(
    scan_result: ScanResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n"
        "  /me:\n    get: {}\n  /users/{id}:\n    get: {}\n"
    )
    monkeypatch.chdir(tmp_path)
    scan_result.spec_source = "openapi.yaml"
    log = rendered(scan_result)
    validate(log)
    by_rule = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    physical = by_rule["authz-bola"]["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "openapi.yaml"}, "region": {"startLine": 6}}
    me = by_rule["jwt-alg-none"]["locations"][0]["physicalLocation"]
    assert me["region"]["startLine"] == 4
    unknown = by_rule["apikey-sole-user-auth"]["locations"][0]["physicalLocation"]
    assert unknown["region"]["startLine"] == 1


def test_absolute_spec_outside_cwd_becomes_a_file_uri(
    scan_result: ScanResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "spec" / "openapi.json"
    spec.parent.mkdir()
    spec.write_text('{"paths": {\n  "/me": {}\n}}')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    scan_result.spec_source = str(spec)
    run = run_of(scan_result)
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == spec.as_uri()


def test_spec_url_gives_no_physical_location(scan_result: ScanResult) -> None:
    scan_result.spec_source = "http://127.0.0.1:8000/openapi.json"
    for result in run_of(scan_result)["results"]:
        assert "physicalLocation" not in result["locations"][0]
