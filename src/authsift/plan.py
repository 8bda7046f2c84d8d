"""Planning: checks × operations × identities → tasks, with a request budget. Pure: no I/O.

The same functions feed the real run and `--dry-run`, so the estimate printed before a scan is
the plan that runs, and the request estimate is the sum of what each task declares plus the
baselines and preflight the engine will send.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from authsift.checks.base import Check
from authsift.model import Operation, Safety
from authsift.spec.classify import operation_matches, representative_operations

BASELINE_REQUESTS = 4  # valid ×2, none, junk (CHECKS.md §1.2)


@dataclass(frozen=True, slots=True)
class IdentityInfo:
    """What the planner knows about an identity before any request is sent."""

    name: str
    role: str
    privileged: bool
    auth_type: str  # bearer | header | api_key | basic | cookie | login | oauth2


@dataclass(frozen=True, slots=True)
class Capabilities:
    """Which preconditions (`Check.needs`) this scan can satisfy."""

    login: bool = False
    refresh: bool = False
    logout: bool = False
    oidc: bool = False
    oob: bool = False


@dataclass(frozen=True, slots=True)
class Task:
    check_id: str
    operation: Operation | None
    identity: str | None  # None: the engine picks the identity whose baseline works
    estimate: int


@dataclass(frozen=True, slots=True)
class Skip:
    check_id: str
    operation: str | None
    reason: str


@dataclass(slots=True)
class Plan:
    tasks: list[Task] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    baseline_identities: dict[str, int] = field(default_factory=dict)  # operation → identities
    preflight_requests: int = 0

    @property
    def baseline_operations(self) -> list[str]:
        return [key for key, count in self.baseline_identities.items() if count]

    @property
    def baseline_requests(self) -> int:
        return BASELINE_REQUESTS * sum(self.baseline_identities.values())

    @property
    def check_requests(self) -> int:
        return sum(t.estimate for t in self.tasks)

    @property
    def estimated_requests(self) -> int:
        return self.preflight_requests + self.baseline_requests + self.check_requests

    def estimated_seconds(self, rate: float, concurrency: int, latency: float = 0.02) -> float:
        """Rate-bound when throttled; otherwise bound by round trips over the concurrency cap."""
        by_rate = self.estimated_requests / rate if rate > 0 else 0.0
        by_latency = self.estimated_requests * latency / max(1, concurrency)
        return max(by_rate, by_latency)

    def tasks_by_check(self) -> dict[str, list[Task]]:
        grouped: dict[str, list[Task]] = {}
        for task in self.tasks:
            grouped.setdefault(task.check_id, []).append(task)
        return grouped


def select_operations(
    operations: Iterable[Operation], include: Sequence[str], exclude: Sequence[str]
) -> tuple[list[Operation], list[Skip]]:
    kept: list[Operation] = []
    skipped: list[Skip] = []
    for op in operations:
        if any(operation_matches(p, op.method, op.path) for p in exclude):
            skipped.append(Skip("*", op.key, "excluded by operations.exclude"))
        elif include and not any(operation_matches(p, op.method, op.path) for p in include):
            skipped.append(Skip("*", op.key, "not in operations.include"))
        else:
            kept.append(op)
    return kept, skipped


def needs_met(check: Check, identities: Sequence[IdentityInfo], caps: Capabilities) -> str | None:
    users = [i for i in identities if not i.privileged]
    token_based = [
        i for i in identities if i.auth_type in {"bearer", "login", "oauth2", "header", "cookie"}
    ]
    unmet = {
        "credential": not identities,
        "two_identities": len(identities) < 2 or not users,
        "admin": not any(i.privileged for i in identities) or not users,
        "jwt": not token_based,
        "api_key": not any(i.auth_type == "api_key" for i in identities),
        "login": not caps.login,
        "refresh": not caps.refresh,
        "logout": not caps.logout,
        "oidc": not caps.oidc,
        "oob": not caps.oob,
    }
    missing = sorted(need for need in check.needs if unmet.get(need, True))
    return f"needs {', '.join(missing)}" if missing else None


def make_plan(
    checks: Mapping[str, Check],
    operations: Sequence[Operation],
    identities: Sequence[IdentityInfo],
    *,
    caps: Capabilities = Capabilities(),
    intrusive: bool = False,
    include_ops: Sequence[str] = (),
    exclude_ops: Sequence[str] = (),
    preflight_requests: int = 0,
) -> Plan:
    plan = Plan(preflight_requests=preflight_requests)
    kept, skipped_ops = select_operations(operations, include_ops, exclude_ops)
    plan.skipped.extend(skipped_ops)
    wanted = {"one": 1, "all": len(identities), "none": 0}
    for check_id, check in checks.items():
        unmet = needs_met(check, identities, caps)
        if unmet is not None:
            plan.skipped.append(Skip(check_id, None, unmet))
            continue
        if check.safety is not Safety.READ_ONLY and not intrusive:
            plan.skipped.append(
                Skip(check_id, None, f"{check.safety.value}; enable checks.intrusive")
            )
            continue
        targets = representative_operations(kept) if check.granularity == "api" else kept
        if check.granularity == "api" and not targets:
            plan.skipped.append(
                Skip(check_id, None, "no identity-bearing read-only operation to probe")
            )
        for op in targets:
            if not op.is_read_only and not intrusive:
                plan.skipped.append(
                    Skip(check_id, op.key, "state-changing operation; intrusive off")
                )
                continue
            reason = check.applies_to(op)
            if reason is not None:
                plan.skipped.append(Skip(check_id, op.key, reason))
                continue
            plan.tasks.append(Task(check_id, op, None, check.estimate(op)))
            if op.is_read_only:  # the engine baselines read-only operations only
                needed = wanted[check.baselines]
                plan.baseline_identities[op.key] = max(
                    plan.baseline_identities.get(op.key, 0), needed
                )
    return plan
