"""JUnit XML, for CI systems that only understand test results.

One `<testsuite>` per check and one `<testcase>` per task (check × operation × identity), so a
CI dashboard shows what was tested and passed, not only what failed. Outcomes map onto the
four JUnit states: a finding is a `<failure>`, a crashed check an `<error>`, and everything that
proved nothing either way (inconclusive, not run, skipped, accepted risk) is `<skipped>` with
the reason: never silently "passed".
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TextIO

from authsift.model import Finding, OperationRef, Outcome, ScanResult, TaskResult
from authsift.reports.common import evidence_summary, sort_findings

TaskKey = tuple[str, OperationRef | None, str | None]

_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    """XML 1.0 §2.2 forbids most control characters; a response body may well contain them."""
    return _XML_ILLEGAL.sub("\ufffd", text)


@dataclass(slots=True)
class _Case:
    check_id: str
    operation: OperationRef | None
    identity: str | None
    outcome: Outcome = Outcome.PASSED
    reason: str = ""
    duration: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    accepted: list[tuple[Finding, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        operation = self.operation.key if self.operation else "API-wide"
        return f"{operation} as {self.identity}" if self.identity else operation


def render(result: ScanResult, out: TextIO) -> None:
    root = junit_tree(result)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")


def junit_tree(result: ScanResult) -> ET.Element:
    cases = _cases(result)
    by_check: dict[str, list[_Case]] = defaultdict(list)
    for case in cases:
        by_check[case.check_id].append(case)

    root = ET.Element("testsuites", name="authsift", time=f"{result.stats.duration:.3f}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for check_id in sorted(by_check):
        suite = _suite(check_id, by_check[check_id], result.started_at)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    return root


def _cases(result: ScanResult) -> list[_Case]:
    """Every task as a case, with the findings it produced attached by (check, operation, identity).

    A finding whose task is missing from `tasks` (API-wide checks, or a runner that does not
    record tasks) still becomes its own case: a failure must never be lost.
    """
    cases: dict[TaskKey, _Case] = {}
    for task in result.tasks:
        key = _task_key(task)
        case = cases.get(key)
        if case is None:
            case = cases[key] = _Case(task.check_id, task.operation, task.identity)
        case.duration += task.duration
        if _worse(task.outcome, case.outcome):
            case.outcome, case.reason = task.outcome, task.reason

    for finding in sort_findings(result.findings):
        _case_for(cases, finding).findings.append(finding)
    for suppressed in result.suppressed:
        case = _case_for(cases, suppressed.finding)
        case.accepted.append((suppressed.finding, suppressed.reason))
    return list(cases.values())


def _case_for(cases: dict[TaskKey, _Case], finding: Finding) -> _Case:
    key: TaskKey = (finding.check_id, finding.operation, finding.identity)
    case = cases.get(key)
    if case is None:
        case = cases[key] = _Case(finding.check_id, finding.operation, finding.identity)
    return case


def _task_key(task: TaskResult) -> TaskKey:
    return (task.check_id, task.operation, task.identity)


_OUTCOME_WEIGHT = {
    Outcome.PASSED: 0,
    Outcome.SKIPPED: 1,
    Outcome.NOT_RUN: 2,
    Outcome.INCONCLUSIVE: 3,
    Outcome.FINDING: 4,
    Outcome.ERROR: 5,
}


def _worse(new: Outcome, old: Outcome) -> bool:
    return _OUTCOME_WEIGHT[new] > _OUTCOME_WEIGHT[old]


def _suite(check_id: str, cases: list[_Case], timestamp: str) -> ET.Element:
    suite = ET.Element("testsuite", name=check_id, timestamp=timestamp)
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for case in sorted(cases, key=lambda c: c.name):
        element = ET.SubElement(
            suite,
            "testcase",
            classname=f"authsift.{check_id}",
            name=_xml_text(case.name),
            time=f"{case.duration:.3f}",
        )
        total_time += case.duration
        state = _fill_case(element, case)
        if state:
            counts[state] += 1
    suite.set("tests", str(len(cases)))
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", f"{total_time:.3f}")
    return suite


def _fill_case(element: ET.Element, case: _Case) -> str | None:
    """Add the one child element describing the case; return which counter it bumps."""
    if case.findings:
        first = case.findings[0]
        message = first.title
        if len(case.findings) > 1:
            message += f" (+{len(case.findings) - 1} more)"
        failure = ET.SubElement(
            element, "failure", message=_xml_text(message), type=first.severity.value
        )
        failure.text = _xml_text("\n\n".join(_failure_text(f) for f in case.findings))
        return "failures"
    if case.outcome is Outcome.ERROR:
        reason = _xml_text(case.reason)
        error = ET.SubElement(element, "error", message=reason or "check crashed")
        error.text = reason
        return "errors"
    if case.accepted:
        reasons = "; ".join(f"{f.title}: {reason}" for f, reason in case.accepted)
        ET.SubElement(element, "skipped", message=_xml_text(f"accepted risk: {reasons}"))
        return "skipped"
    if case.outcome in (Outcome.INCONCLUSIVE, Outcome.NOT_RUN, Outcome.SKIPPED):
        reason = case.reason or "no reason recorded"
        ET.SubElement(element, "skipped", message=_xml_text(f"{case.outcome.value}: {reason}"))
        return "skipped"
    if case.outcome is Outcome.FINDING:
        # the runner saw a finding that is not in the report: a --baseline filtered it as known
        system_out = ET.SubElement(element, "system-out")
        system_out.text = "known finding (in the baseline), not reported again"
    return None


def _failure_text(finding: Finding) -> str:
    parts = [
        f"[{finding.severity.value}, {finding.confidence.value}] {finding.title}",
        finding.description,
        evidence_summary(finding),
        f"Reproduce:\n{finding.reproduce}",
        f"Fingerprint: {finding.fingerprint}",
    ]
    return "\n".join(part for part in parts if part)
