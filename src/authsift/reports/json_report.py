"""The JSON report: the machine-readable contract of DESIGN.md §5 (`schema_version: 1`).

Other tools (dashboards, `--baseline`, CI scripts with jq) build on this shape, so it changes
only by adding keys; `reports/schema/report.schema.json` describes it and the tests hold every
report to it. The module is not called `json.py` so that `import json` inside the package can
never pick it up by mistake.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from authsift.model import (
    Evidence,
    Finding,
    Outcome,
    ScanResult,
    SuppressedFinding,
    TaskResult,
)
from authsift.reports.common import (
    body_text,
    family_severity_counts,
    identity_lines,
    json_safe,
    severity_counts,
    sort_findings,
    sort_suppressed,
)
from authsift.reports.coverage import coverage, untested_families

SCHEMA_VERSION = 1
TOOL_NAME = "authsift"

_RESERVED_KEYS = frozenset(
    {
        "schema_version",
        "tool",
        "target",
        "spec",
        "baseline",
        "started_at",
        "finished_at",
        "partial",
        "partial_reason",
        "stats",
        "summary",
        "identities",
        "findings",
        "accepted",
        "inconclusive",
        "errors",
        "not_run",
        "tasks",
        "coverage",
        "extras",
    }
)


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of this report, as shipped inside the package."""
    text = resources.files("authsift.reports").joinpath("schema/report.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


class ReportLoadError(ValueError):
    """A file given as a previous report is not one; the message names the file and why."""


def render(result: ScanResult, out: TextIO) -> None:
    json.dump(report_dict(result), out, indent=2, ensure_ascii=False)
    out.write("\n")


def report_dict(result: ScanResult) -> dict[str, Any]:
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": result.tool_version},
        "target": result.target,
        "spec": result.spec_source,
        "baseline": result.baseline_source,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "partial": result.partial,
        "partial_reason": result.partial_reason or None,
        "stats": _stats(result),
        "summary": _summary(result),
        "identities": [
            {
                "name": line.name,
                "role": line.role,
                "auth_type": line.auth_type,
                "requests": line.requests,
                "succeeded": line.succeeded,
                "authenticated_share": line.authenticated_share,
                "logged_in": line.logged_in,
            }
            for line in identity_lines(result.identities)
        ],
        "findings": [finding_dict(f) for f in sort_findings(result.findings)],
        "accepted": [_accepted_dict(s) for s in sort_suppressed(result.suppressed)],
        "inconclusive": [_task_dict(t) for t in result.inconclusive],
        "errors": [_task_dict(t) for t in result.errors],
        "not_run": [_task_dict(t) for t in result.not_run],
        "tasks": _task_summary(result.tasks),
        "coverage": _coverage(result),
    }
    clashing: dict[str, Any] = {}
    for key, value in result.extras.items():
        if key in _RESERVED_KEYS:
            clashing[key] = json_safe(value)
        else:
            report[key] = json_safe(value)
    if clashing:
        # an extra section must never overwrite the contract; keep it, out of the way
        report["extras"] = clashing
    return report


def finding_dict(finding: Finding) -> dict[str, Any]:
    operation = finding.operation
    return {
        "check": finding.check_id,
        "family": finding.family.value,
        "mistake": finding.mistake,
        "title": finding.title,
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "cwe": list(finding.cwe),
        "owasp": finding.owasp,
        "operation": ({"method": operation.method, "path": operation.path} if operation else None),
        "identity": finding.identity,
        "victim": finding.victim,
        "description": finding.description,
        "evidence": [_evidence_dict(e) for e in finding.evidence],
        "reproduce": finding.reproduce,
        "remediation": finding.remediation,
        "references": list(finding.references),
        "fingerprint": finding.fingerprint,
        "details": json_safe(finding.details),
    }


def _evidence_dict(evidence: Evidence) -> dict[str, Any]:
    exchange = evidence.exchange
    request = exchange.request
    response = exchange.response
    return {
        "label": evidence.label,
        "note": evidence.note,
        "identity": exchange.identity,
        "request": {
            "method": request.method,
            "url": request.url,
            "headers": [{"name": k, "value": v} for k, v in request.headers],
            "body": body_text(request.body) or None,
        },
        "response": (
            {
                "status": response.status,
                "headers": [{"name": k, "value": v} for k, v in response.headers],
                "body": body_text(response.body, capture_cut=response.truncated),
                "size": len(response.body),
                "elapsed": round(response.elapsed, 4),
            }
            if response is not None
            else None
        ),
        "error": exchange.error,
    }


def _accepted_dict(suppressed: SuppressedFinding) -> dict[str, Any]:
    entry = finding_dict(suppressed.finding)
    entry["suppression"] = {"reason": suppressed.reason, "expires": suppressed.expires}
    return entry


def _task_dict(task: TaskResult) -> dict[str, Any]:
    return {
        "check": task.check_id,
        "operation": (
            {"method": task.operation.method, "path": task.operation.path}
            if task.operation
            else None
        ),
        "identity": task.identity,
        "outcome": task.outcome.value,
        "reason": task.reason,
        "requests": task.requests,
    }


def _task_summary(tasks: list[TaskResult]) -> dict[str, int]:
    summary = {outcome.value: 0 for outcome in Outcome}
    for task in tasks:
        summary[task.outcome.value] += 1
    summary["total"] = len(tasks)
    return summary


def _summary(result: ScanResult) -> dict[str, Any]:
    """Counts for CI scripts (`jq .summary.by_severity.high`), accepted findings excluded."""
    return {
        "findings": len(result.findings),
        "accepted": len(result.suppressed),
        "by_severity": {s.value: n for s, n in severity_counts(result.findings).items()},
        "by_family": {
            family.value: sum(counts.values())
            for family, counts in family_severity_counts(result.findings)
        },
        # a 0 in by_family is "no finding", not "tested and clean": these families did not run
        "not_tested": [family.value for family in untested_families(result)],
    }


def _coverage(result: ScanResult) -> dict[str, Any]:
    """Per family and per check: tested, partial (families) or not-tested, and why."""
    return {
        "families": [
            {
                "family": family.family.value,
                "mistake": family.family.mistake,
                "title": family.family.label,
                "status": family.status.value,
                "reason": family.reason,
                "findings": family.findings,
                "checks": [
                    {
                        "check": check.check_id,
                        "title": check.title,
                        "status": check.status.value,
                        "reason": check.reason,
                        "tasks": check.outcomes,
                    }
                    for check in family.checks
                ],
            }
            for family in coverage(result)
        ]
    }


def _stats(result: ScanResult) -> dict[str, Any]:
    stats = result.stats
    return {
        "requests": stats.requests,
        "operations": stats.operations,
        "checks_run": stats.checks_run,
        "tasks": stats.tasks,
        "duration": round(stats.duration, 3),
        "requests_by_status": {str(k): v for k, v in stats.requests_by_status.items()},
        "errors": stats.errors,
    }


def load_json_report(path: Path) -> dict[str, Any]:
    """Read a report written by `render`, refusing anything else with a one-line reason.

    This checks the parts later runs rely on (the tool name, the schema version, fingerprints),
    not the whole schema: `jsonschema` is a development dependency, not a runtime one.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReportLoadError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ReportLoadError(f"{path}: not JSON ({exc})") from exc
    tool = data.get("tool") if isinstance(data, dict) else None
    if not isinstance(tool, dict) or tool.get("name") != TOOL_NAME:
        raise ReportLoadError(f"{path}: not an authsift JSON report (no tool.name 'authsift')")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ReportLoadError(
            f"{path}: report schema_version {version!r} is not supported (expected "
            f"{SCHEMA_VERSION})"
        )
    for section in ("findings", "accepted"):
        entries = data.get(section, [])
        if not isinstance(entries, list):
            raise ReportLoadError(f"{path}: {section}: expected a list")
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
                raise ReportLoadError(f"{path}: {section}[{index}].fingerprint: missing")
    report: dict[str, Any] = data
    return report
