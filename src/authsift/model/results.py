"""What a scan produces: findings with their evidence, task outcomes and the scan result."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from authsift.model.api import Operation
from authsift.model.http import Exchange
from authsift.model.vocabulary import Confidence, Family, Severity


@dataclass(frozen=True, slots=True)
class OperationRef:
    method: str
    path: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @classmethod
    def of(cls, operation: Operation) -> OperationRef:
        return cls(operation.method, operation.path)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One exchange in a finding's proof, labelled for the reader ("valid request as alice")."""

    label: str
    exchange: Exchange
    note: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    check_id: str
    title: str
    severity: Severity
    confidence: Confidence
    family: Family
    cwe: tuple[int, ...]
    owasp: str  # e.g. "API2:2023"
    operation: OperationRef | None  # None: the finding is API-wide
    identity: str | None
    description: str
    evidence: tuple[Evidence, ...]
    reproduce: str  # curl command, secrets replaced by $NAME_TOKEN placeholders
    remediation: str
    fingerprint: str  # stable across runs: check + operation + identity (+ victim)
    victim: str | None = None
    references: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def mistake(self) -> int | None:
        return self.family.mistake


class Outcome(enum.StrEnum):
    """What became of one task (a check on one operation as one identity)."""

    PASSED = "passed"  # the check ran and found nothing
    FINDING = "finding"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"  # the check crashed; recorded, the scan went on
    NOT_RUN = "not-run"  # budget, max_time, Ctrl-C, or precondition missing
    SKIPPED = "skipped"  # planned out (needs, safety, excluded) or covered by a finding elsewhere


@dataclass(frozen=True, slots=True)
class TaskResult:
    check_id: str
    operation: OperationRef | None
    identity: str | None
    outcome: Outcome
    reason: str = ""  # why inconclusive / not run / skipped, or the error message
    requests: int = 0
    duration: float = 0.0


@dataclass(frozen=True, slots=True)
class CheckEntry:
    """A check of the catalogue as this scan saw it: selected, or left out and why."""

    check_id: str
    family: Family
    title: str
    left_out: str = ""  # why it was not selected ("excluded by checks.exclude"); "" = selected


@dataclass(frozen=True, slots=True)
class IdentitySummary:
    """Per identity, proof that the scan really ran logged in (issue #2 §6)."""

    name: str
    role: str
    auth_type: str
    requests: int  # requests sent with this identity's credentials
    succeeded: int  # of those, answered 2xx/3xx (not 401/403)
    logged_in: bool


@dataclass(frozen=True, slots=True)
class SuppressedFinding:
    finding: Finding
    reason: str
    expires: str | None = None


@dataclass(slots=True)
class ScanStats:
    requests: int = 0
    operations: int = 0
    checks_run: int = 0
    tasks: int = 0
    duration: float = 0.0
    requests_by_status: dict[str, int] = field(default_factory=dict)
    errors: int = 0


@dataclass(slots=True)
class ScanResult:
    """Everything a reporter gets. Reporters render it; they never call back into the engine."""

    tool_version: str
    target: str
    started_at: str  # ISO 8601 UTC
    finished_at: str
    partial: bool = False  # Ctrl-C, max_time or budget cut the scan short
    partial_reason: str = ""
    stats: ScanStats = field(default_factory=ScanStats)
    identities: list[IdentitySummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[SuppressedFinding] = field(default_factory=list)
    tasks: list[TaskResult] = field(default_factory=list)
    checks: list[CheckEntry] = field(default_factory=list)  # the whole catalogue (coverage)
    spec_source: str | None = None
    baseline_source: str | None = None  # --baseline file; findings then are only the new ones
    # free-form structured sections added by later work (e.g. the access matrix, issue #5)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def inconclusive(self) -> list[TaskResult]:
        return [t for t in self.tasks if t.outcome is Outcome.INCONCLUSIVE]

    @property
    def errors(self) -> list[TaskResult]:
        return [t for t in self.tasks if t.outcome is Outcome.ERROR]

    @property
    def not_run(self) -> list[TaskResult]:
        return [t for t in self.tasks if t.outcome is Outcome.NOT_RUN]
