"""SARIF 2.1.0 (OASIS), the format code-scanning dashboards ingest.

A dynamic scanner has no source line to blame, so each result names the API operation as a
logical location (`GET /users/{id}`, SARIF §3.33) and, when the spec is a local file, also points
at that file (so GitHub can show an annotation). `partialFingerprints` carries our fingerprint so
dashboards track a finding across runs the same way `--baseline` does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from authsift.model import Confidence, Exchange, Finding, Headers, ScanResult, Severity
from authsift.reports.common import (
    actor_label,
    body_text,
    family_heading,
    operation_label,
    sort_findings,
)
from authsift.reports.coverage import Coverage, coverage

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/authsift/authsift"
HELP_URI = "https://github.com/authsift/authsift/blob/main/docs/checks/{check_id}.md"
FINGERPRINT_KEY = "authsift/v1"

LEVELS: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

SECURITY_SEVERITY: dict[Severity, str] = {
    # GitHub code scanning reads this as a CVSS-like score, given as a string, as CodeQL does
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}

PRECISION: dict[Confidence, str] = {
    Confidence.CERTAIN: "very-high",
    Confidence.FIRM: "high",
    Confidence.TENTATIVE: "medium",
}


def render(result: ScanResult, out: TextIO) -> None:
    json.dump(sarif_dict(result), out, indent=2, ensure_ascii=False)
    out.write("\n")


def sarif_dict(result: ScanResult) -> dict[str, Any]:
    reported = sort_findings(result.findings)
    accepted = {id(s.finding): s for s in result.suppressed}
    everything = sort_findings([*reported, *(s.finding for s in result.suppressed)])
    rules = _rules(everything)
    rule_index = {rule["id"]: index for index, rule in enumerate(rules)}
    spec_file = _local_spec(result.spec_source)
    path_lines = _path_lines(spec_file) if spec_file is not None else {}

    results = []
    for finding in everything:
        entry = _result(finding, rule_index[finding.check_id], spec_file, path_lines)
        suppressed = accepted.get(id(finding))
        if suppressed is not None:
            justification = suppressed.reason
            if suppressed.expires:
                justification += f" (until {suppressed.expires})"
            entry["suppressions"] = [{"kind": "external", "justification": justification}]
        results.append(entry)

    invocation: dict[str, Any] = {
        "executionSuccessful": not result.partial,
        "startTimeUtc": result.started_at,
        "endTimeUtc": result.finished_at,
    }
    if result.partial:
        invocation["toolExecutionNotifications"] = [
            {
                "level": "warning",
                "message": {"text": f"partial scan: {result.partial_reason or 'cut short'}"},
            }
        ]
    gaps = _coverage_notes(result)
    if gaps:
        invocation["toolConfigurationNotifications"] = gaps
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "authsift",
                "version": result.tool_version,
                "semanticVersion": result.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "invocations": [invocation],
        "results": results,
        "properties": {"target": result.target},
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def _coverage_notes(result: ScanResult) -> list[dict[str, Any]]:
    """What was not tested, as notes: a dashboard with no results for a family must not read as
    "clean" when the family never ran (issue 14 §2). One note per untested family, and one per
    check that did not run in a family where others did."""
    notes: list[dict[str, Any]] = []
    for family in coverage(result):
        heading = family_heading(family.family)
        if family.status is Coverage.NOT_TESTED:
            notes.append(
                {
                    "level": "note",
                    "message": {"text": f"{heading}: not tested ({family.reason})."},
                    "descriptor": {"id": f"authsift/coverage/{family.family.value}"},
                    "properties": {"family": family.family.value, "status": family.status.value},
                }
            )
            continue
        for check in family.untested:
            notes.append(
                {
                    "level": "note",
                    "message": {"text": f"{check.check_id} not tested: {check.reason}."},
                    "descriptor": {"id": f"authsift/coverage/{check.check_id}"},
                    "associatedRule": {"id": check.check_id},
                    "properties": {"family": family.family.value, "status": check.status.value},
                }
            )
    return notes


def _rules(findings: list[Finding]) -> list[dict[str, Any]]:
    """One rule per check that produced a finding, described from its worst finding."""
    by_check: dict[str, Finding] = {}
    for finding in findings:  # worst first, so the first seen is the representative
        by_check.setdefault(finding.check_id, finding)
    return [_rule(check_id, by_check[check_id]) for check_id in sorted(by_check)]


def _rule(check_id: str, finding: Finding) -> dict[str, Any]:
    tags = ["security", f"authsift/{finding.family.value}"]
    tags += [f"external/cwe/cwe-{number}" for number in finding.cwe]
    if finding.owasp:
        tags.append(f"external/owasp/{finding.owasp}")
    help_uri = HELP_URI.format(check_id=check_id)
    return {
        "id": check_id,
        "name": "".join(part.capitalize() for part in check_id.split("-")),
        "shortDescription": {"text": finding.title},
        "fullDescription": {"text": f"{family_heading(finding.family)}: {finding.title}."},
        "help": {
            "text": f"{finding.remediation}\n\nSee {help_uri}",
            "markdown": f"{finding.remediation}\n\n[Documentation]({help_uri})",
        },
        "helpUri": help_uri,
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {
            "tags": tags,
            "precision": PRECISION[finding.confidence],
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "problem.severity": finding.severity.value,
        },
    }


def _result(
    finding: Finding, rule_index: int, spec_file: Path | None, path_lines: dict[str, int]
) -> dict[str, Any]:
    operation = operation_label(finding)
    location: dict[str, Any] = {
        "logicalLocations": [
            {"fullyQualifiedName": operation, "name": operation, "kind": "function"}
        ]
    }
    if spec_file is not None:
        line = path_lines.get(finding.operation.path, 1) if finding.operation else 1
        location["physicalLocation"] = {
            "artifactLocation": {"uri": _artifact_uri(spec_file)},
            "region": {"startLine": line},
        }
    entry: dict[str, Any] = {
        "ruleId": finding.check_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {
            "text": f"{finding.title} ({operation}, {actor_label(finding)}). {finding.description}"
        },
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {
            "severity": finding.severity.value,
            "confidence": finding.confidence.value,
            "identity": finding.identity,
            "victim": finding.victim,
            "reproduce": finding.reproduce,
            "cwe": list(finding.cwe),
            "owasp": finding.owasp,
        },
    }
    if finding.evidence:
        # the last exchange is the attack by convention (baseline first, then the probe)
        attack = finding.evidence[-1].exchange
        entry["webRequest"] = _web_request(attack)
        if attack.response is not None:
            entry["webResponse"] = _web_response(attack)
    return entry


def _web_request(exchange: Exchange) -> dict[str, Any]:
    request = exchange.request
    web: dict[str, Any] = {
        "target": request.url,
        "method": request.method,
        "headers": _header_map(request.headers),
    }
    if request.body:
        web["body"] = {"text": body_text(request.body)}
    return web


def _web_response(exchange: Exchange) -> dict[str, Any]:
    response = exchange.response
    assert response is not None  # callers check; keeps the signature simple
    return {
        "statusCode": response.status,
        "headers": _header_map(response.headers),
        "body": {"text": body_text(response.body, capture_cut=response.truncated)},
    }


def _header_map(headers: Headers) -> dict[str, str]:
    """SARIF headers are an object; repeated fields are joined as RFC 9110 §5.3 allows."""
    merged: dict[str, str] = {}
    for name, value in headers:
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return merged


# --------------------------------------------------------------------------- the spec file


def _local_spec(spec_source: str | None) -> Path | None:
    if not spec_source or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", spec_source):
        return None
    path = Path(spec_source)
    return path if path.is_file() else None


def _artifact_uri(path: Path) -> str:
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_uri()


def _path_lines(spec_file: Path) -> dict[str, int]:
    """Path template → the line declaring it in the spec (YAML or JSON); first one wins."""
    try:
        lines: Iterable[str] = spec_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return {}
    found: dict[str, int] = {}
    key = re.compile(r"""^\s*["']?(/[^"':\s]*)["']?\s*:""")
    for number, line in enumerate(lines, start=1):
        match = key.match(line)
        if match:
            found.setdefault(match.group(1), number)
    return found
