"""The HTML report: one self-contained file a security reviewer can open anywhere, even offline.

No CDN, font or script is fetched: reports are often read on locked-down machines and attached
to tickets, and a report that phones home would leak that a scan happened. Jinja2 autoescaping
is on, because every body in the evidence came from the target and may contain markup.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any, TextIO

from jinja2 import Environment, PackageLoader, StrictUndefined

from authsift.model import Evidence, Family, Finding, Outcome, ScanResult, Severity, TaskResult
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

MATRIX_STATES = frozenset({"allowed", "denied", "inconclusive"})


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
class MatrixView:
    identities: list[str]
    rows: list[tuple[str, list[str]]]


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
    return {
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
        "errors": _task_rows(result.errors),
        "not_run": _task_rows(result.not_run),
        "skipped_count": len(skipped),
        "matrix": _matrix(result.extras.get("access_matrix")),
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


def _matrix(raw: object) -> MatrixView | None:
    """The access matrix of `extras["access_matrix"]`, or None if absent or malformed.

    It comes from another part of the tool; a malformed one is logged and left out rather than
    costing the user the whole report.
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        logger.warning("access_matrix ignored: expected an object")
        return None
    identities = raw.get("identities")
    rows = raw.get("rows")
    if not isinstance(identities, list) or not isinstance(rows, list):
        logger.warning("access_matrix ignored: needs 'identities' and 'rows' lists")
        return None
    names = [str(name) for name in identities]
    view_rows: list[tuple[str, list[str]]] = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("cells"), dict):
            logger.warning("access_matrix row ignored: %r", row)
            continue
        cells = row["cells"]
        states = [str(cells.get(name, "")) for name in names]
        view_rows.append(
            (
                str(row.get("operation", "?")),
                [state if state in MATRIX_STATES else "unknown" for state in states],
            )
        )
    return MatrixView(identities=names, rows=view_rows)
