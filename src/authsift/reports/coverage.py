"""What the scan tested, per family and per check — so that "0 findings" never stands for "not
tested".

A family with no checks yet, a check excluded by the config, one whose precondition was missing
(an admin identity, `checks.intrusive`) or whose tasks the budget cut: each is *not tested*, with
the reason, in every format. A family where some checks ran shows its count plus the checks that
did not. Derived from the result alone (`ScanResult.checks`, the tasks, the findings), so every
reporter says the same thing; a hand-built result without a catalogue still gets an honest answer
("no checks ran in this family").
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass

from authsift.model import CheckEntry, Family, Outcome, ScanResult, TaskResult
from authsift.reports.common import FAMILY_ORDER


class Coverage(enum.StrEnum):
    TESTED = "tested"
    PARTIAL = "partial"  # families only: some checks ran, some did not
    NOT_TESTED = "not-tested"


@dataclass(frozen=True, slots=True)
class CheckCoverage:
    check_id: str
    family: Family
    title: str
    status: Coverage  # TESTED or NOT_TESTED
    reason: str  # why not tested; "" when tested
    outcomes: dict[str, int]  # task outcome → count


@dataclass(frozen=True, slots=True)
class FamilyCoverage:
    family: Family
    status: Coverage
    reason: str  # why (partly) not tested; "" when tested
    checks: tuple[CheckCoverage, ...]
    findings: int

    @property
    def untested(self) -> list[CheckCoverage]:
        return [c for c in self.checks if c.status is Coverage.NOT_TESTED]

    @property
    def note(self) -> str:
        """The line under the family in a summary, "" when everything in it ran."""
        return f"not tested: {self.reason}" if self.status is Coverage.NOT_TESTED else self.reason


NO_CHECKS_YET = "no checks in this family yet"
_DECISIVE = (Outcome.PASSED, Outcome.FINDING)


def coverage(result: ScanResult) -> list[FamilyCoverage]:
    """Every family in catalogue order, each with its checks' coverage."""
    entries = result.checks or _entries_from_tasks(result)
    found = Counter(f.check_id for f in result.findings)
    found.update(s.finding.check_id for s in result.suppressed)
    tasks: dict[str, list[TaskResult]] = {}
    for task in result.tasks:
        tasks.setdefault(task.check_id, []).append(task)
    checks = [
        _check(entry, tasks.get(entry.check_id, []), found[entry.check_id]) for entry in entries
    ]
    families = []
    for family in FAMILY_ORDER:
        mine = tuple(c for c in checks if c.family is family)
        findings = sum(1 for f in result.findings if f.family is family)
        families.append(_family(family, mine, findings, has_catalogue=bool(result.checks)))
    return families


def untested_families(result: ScanResult) -> list[Family]:
    return [f.family for f in coverage(result) if f.status is Coverage.NOT_TESTED]


def _check(entry: CheckEntry, tasks: list[TaskResult], findings: int) -> CheckCoverage:
    outcomes = Counter(task.outcome.value for task in tasks)
    if entry.left_out:
        status, reason = Coverage.NOT_TESTED, entry.left_out
    elif findings or any(task.outcome in _DECISIVE for task in tasks):
        status, reason = Coverage.TESTED, ""
    else:
        status, reason = Coverage.NOT_TESTED, _why_not(tasks)
    return CheckCoverage(
        entry.check_id, entry.family, entry.title, status, reason, dict(sorted(outcomes.items()))
    )


def _why_not(tasks: list[TaskResult]) -> str:
    """The one reason that best explains why none of a check's tasks decided anything."""
    if not tasks:
        return "no operation in scope to probe"
    for outcome, lead in (
        (Outcome.NOT_RUN, ""),
        (Outcome.INCONCLUSIVE, "inconclusive"),
        (Outcome.ERROR, "crashed"),
        (Outcome.SKIPPED, ""),
    ):
        reasons = Counter(_short(t) for t in tasks if t.outcome is outcome)
        if not reasons:
            continue
        reason, _ = reasons.most_common(1)[0]
        count = sum(reasons.values())
        if outcome is Outcome.NOT_RUN:
            return reason
        if lead:
            where = "on every operation it probed" if count > 1 else "where it probed"
            return f"{lead} {where}: {reason}" if reason else f"{lead} {where}"
        return reason
    return "no task decided anything"


def _short(task: TaskResult) -> str:
    reason = task.reason.strip()
    if task.outcome is Outcome.NOT_RUN:
        if reason.startswith("budget"):
            return "budget exhausted"
        return reason or "not run"
    return reason


def _family(
    family: Family, checks: tuple[CheckCoverage, ...], findings: int, *, has_catalogue: bool
) -> FamilyCoverage:
    if not checks:
        reason = NO_CHECKS_YET if has_catalogue else "no checks ran in this family"
        return FamilyCoverage(family, Coverage.NOT_TESTED, reason, checks, findings)
    untested = [c for c in checks if c.status is Coverage.NOT_TESTED]
    if not untested:
        return FamilyCoverage(family, Coverage.TESTED, "", checks, findings)
    if len(untested) == len(checks):
        reasons = {c.reason for c in untested}
        reason = reasons.pop() if len(reasons) == 1 else _listed(untested)
        return FamilyCoverage(family, Coverage.NOT_TESTED, reason, checks, findings)
    return FamilyCoverage(family, Coverage.PARTIAL, _listed(untested), checks, findings)


def _listed(checks: list[CheckCoverage], limit: int = 4) -> str:
    """`authz-bola-write and authz-bfla-method-override not tested (needs checks.intrusive)`,
    grouped by reason so that a family with ten intrusive checks reads as one line."""
    by_reason: dict[str, list[str]] = {}
    for check in checks:
        by_reason.setdefault(check.reason, []).append(check.check_id)
    parts = []
    for reason, ids in by_reason.items():
        shown = ids if len(ids) <= limit else [*ids[: limit - 1], f"{len(ids) - limit + 1} more"]
        names = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
        parts.append(f"{names} not tested" + (f" ({reason})" if reason else ""))
    return "; ".join(parts)


def _entries_from_tasks(result: ScanResult) -> list[CheckEntry]:
    """Without the catalogue (a result built by hand), the checks the tasks and findings name."""
    families = {f.value: f for f in Family}
    seen: dict[str, CheckEntry] = {}
    for finding in result.findings:
        seen.setdefault(
            finding.check_id, CheckEntry(finding.check_id, finding.family, finding.title)
        )
    for task in result.tasks:
        family = families.get(task.check_id.split("-", 1)[0])
        if family is not None:
            seen.setdefault(task.check_id, CheckEntry(task.check_id, family, task.check_id))
    return list(seen.values())
