"""The HTML report: one self-contained file a security reviewer can open anywhere, even offline.

No CDN, font or script is fetched: reports are often read on locked-down machines and attached
to tickets, and a report that phones home would leak that a scan happened. Jinja2 autoescaping
is on, because every body in the evidence came from the target and may contain markup; and the
page carries a Content-Security-Policy that allows nothing but its own style and script (pinned
by hash), so even a markup injection that escaped escaping could neither run nor load anything.

It scales to hundreds of findings: each one is a collapsed `<details>` whose summary line says
what, where and who; a small inline script filters by severity, mistake, check and operation
(without JavaScript every finding is listed, collapsed). The access matrix marks unexpected
access (`reports/access.py`) with a colour and a word.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any, TextIO

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from authsift.model import Evidence, Family, Finding, Outcome, ScanResult, Severity, TaskResult
from authsift.reports.access import FindingLink, read_matrix
from authsift.reports.common import (
    SEVERITIES_WORST_FIRST,
    IdentityLine,
    RenderedEvidence,
    actor_label,
    evidence_pairs,
    family_anchor,
    family_heading,
    family_severity_counts,
    group_by_family,
    identity_lines,
    operation_label,
    render_evidence,
    severity_counts,
    similarity_text,
    sort_suppressed,
)
from authsift.reports.coverage import Coverage, FamilyCoverage, coverage
from authsift.reports.sarif import HELP_URI

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FindingView:
    finding: Finding
    anchor: str
    operation: str
    actor: str
    similarity: str | None
    evidence_pairs: list[list[RenderedEvidence]]
    help_uri: str
    accepted_reason: str | None = None
    accepted_expires: str | None = None


@dataclass(frozen=True, slots=True)
class FamilyView:
    family: Family
    heading: str
    anchor: str
    findings: list[FindingView]


@dataclass(frozen=True, slots=True)
class FilterOption:
    value: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class Asset:
    """Our own inline style or script, and its CSP source expression."""

    text: Markup
    csp: str


@cache
def asset(name: str) -> Asset:
    text = (
        resources.files("authsift.reports").joinpath("templates").joinpath(name).read_text("utf-8")
    )
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return Asset(Markup(text), f"'sha256-{digest}'")  # our own file: safe to insert as is


def render(result: ScanResult, out: TextIO) -> None:
    out.write(render_html(result))


def render_html(result: ScanResult) -> str:
    environment = Environment(
        loader=PackageLoader("authsift.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    template = environment.get_template("report.html.j2")
    return template.render(**_context(result))


def _context(result: ScanResult) -> dict[str, Any]:
    counts = severity_counts(result.findings)
    style, script = asset("report.css"), asset("report.js")
    groups = [
        FamilyView(
            family=family,
            heading=family_heading(family),
            anchor=family_anchor(family),
            findings=[_view(f, index) for index, f in enumerate(findings)],
        )
        for family, findings in group_by_family(result.findings)
    ]
    accepted = [
        _view(s.finding, index, prefix="accepted", reason=s.reason, expires=s.expires)
        for index, s in enumerate(sort_suppressed(result.suppressed))
    ]
    identities: list[IdentityLine] = identity_lines(result.identities)
    # tasks skipped because a finding or another task covers them are not "skipped by design"
    skipped = [
        t
        for t in result.tasks
        if t.outcome is Outcome.SKIPPED and not t.reason.startswith("covered")
    ]
    covered = {c.family: c for c in coverage(result)}
    links = [
        (view.finding, FindingLink(view.anchor, view.finding.check_id, view.finding.title))
        for group in groups
        for view in group.findings
    ] + [
        (view.finding, FindingLink(view.anchor, view.finding.check_id, view.finding.title, True))
        for view in accepted
    ]
    return {
        "style": style.text,
        "script": script.text,
        "csp": (
            f"default-src 'none'; style-src {style.csp}; script-src {script.csp}; "
            "img-src data:; form-action 'none'; base-uri 'none'"
        ),
        "result": result,
        "severities": SEVERITIES_WORST_FIRST,
        "counts": counts,
        "total": sum(counts.values()),
        "groups": groups,
        "family_rows": [
            _family_row(family, counts, covered[family])
            for family, counts in family_severity_counts(result.findings)
        ],
        "accepted": accepted,
        "identities": identities,
        "inconclusive": _task_rows(result.inconclusive),
        "hygiene": [n for n in result.extras.get("hygiene") or [] if isinstance(n, dict)],
        "errors": _task_rows(result.errors),
        "not_run": _task_rows(result.not_run),
        "skipped_count": len(skipped),
        "matrix": read_matrix(result.extras.get("access_matrix"), result.identities, links),
        "filters": _filters(result.findings),
    }


def _family_row(
    family: Family, counts: dict[Severity, int], covered: FamilyCoverage
) -> tuple[str, str, dict[Severity, int], int, bool, str]:
    """(heading, anchor, counts, total, not tested, note): a family that did not run says so
    instead of a 0 (issue 14 §2)."""
    total = sum(counts.values())
    untested = covered.status is Coverage.NOT_TESTED and not total
    note = covered.reason if untested else covered.note
    return family_heading(family), family_anchor(family), counts, total, untested, note


def _view(
    finding: Finding,
    index: int,
    *,
    prefix: str | None = None,
    reason: str | None = None,
    expires: str | None = None,
) -> FindingView:
    anchor = f"{prefix or finding.family.value}-{index + 1}"
    return FindingView(
        finding=finding,
        anchor=anchor,
        operation=operation_label(finding),
        actor=actor_label(finding),
        similarity=similarity_text(finding),
        evidence_pairs=evidence_pairs(_exchange_view(e) for e in finding.evidence),
        help_uri=HELP_URI.format(check_id=finding.check_id),
        accepted_reason=reason,
        accepted_expires=expires,
    )


def _exchange_view(evidence: Evidence) -> RenderedEvidence:
    """The template adds "as <identity>" to a label; not when the label already says whose
    request it is ("valid request as alice as alice")."""
    rendered = render_evidence(evidence)
    identity = rendered.identity
    if identity and re.search(rf"(?<![\w-]){re.escape(identity)}(?![\w-])", rendered.label):
        return replace(rendered, identity=None)
    return rendered


def _task_rows(tasks: list[TaskResult]) -> list[dict[str, str]]:
    return [
        {
            "check": task.check_id,
            "operation": task.operation.key if task.operation else "API-wide",
            "identity": task.identity or "anonymous",
            "reason": task.reason or "no reason recorded",
        }
        for task in tasks
    ]


def _filters(findings: list[Finding]) -> dict[str, list[FilterOption]]:
    """The choices of the filter bar, each with its number of findings."""
    counts = severity_counts(findings)
    checks = Counter(f.check_id for f in findings)
    operations = Counter(operation_label(f) for f in findings)
    return {
        "severity": [FilterOption(s.value, s.value, counts[s]) for s in SEVERITIES_WORST_FIRST],
        "family": [
            FilterOption(family.value, family_heading(family), len(items))
            for family, items in group_by_family(findings)
        ],
        "check": [FilterOption(c, c, n) for c, n in sorted(checks.items())],
        "operation": [
            FilterOption(op, op, n)
            for op, n in sorted(operations.items(), key=lambda item: _operation_order(item[0]))
        ],
    }


def _operation_order(label: str) -> tuple[int, str, str]:
    """By path, then method; API-wide findings first."""
    if " " not in label:
        return (0, label, "")
    method, path = label.split(" ", 1)
    return (1, path, method)
