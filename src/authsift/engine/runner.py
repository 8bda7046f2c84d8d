"""Run the plan: every task in its own safety net, findings streamed out as they are made.

A crashing check becomes a recorded error and the scan goes on; a spent budget or max_time turns
the remaining tasks into "not run: budget" (never "passed"); cancellation (Ctrl-C) stops the
tasks and still returns everything found so far, marked partial.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from authsift.checks.base import Check, CoveredElsewhere, Inconclusive, NotApplicable
from authsift.engine.context import TaskContext
from authsift.engine.events import FindingMade, Listener, ScanStarted, ScanStopped, TaskFinished
from authsift.engine.scan_state import ScanState
from authsift.engine.scope import ScopeError
from authsift.engine.session import SafetyError
from authsift.engine.throttle import BudgetExhausted
from authsift.model import Finding, OperationRef, Outcome, Safety, TaskResult
from authsift.plan import Plan, Task

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RunOutcome:
    findings: list[Finding] = field(default_factory=list)
    tasks: list[TaskResult] = field(default_factory=list)
    stopped: str = ""  # why the run ended early, "" when complete


async def run_plan(
    plan: Plan,
    checks: Mapping[str, Check],
    state: ScanState,
    *,
    concurrency: int,
    listener: Listener | None = None,
) -> RunOutcome:
    outcome = RunOutcome()
    emit = listener or (lambda event: None)
    emit(ScanStarted(len(plan.tasks), plan.estimated_requests))
    slots = asyncio.Semaphore(max(1, concurrency))
    stop = asyncio.Event()

    async def one(task: Task) -> None:
        async with slots:
            if stop.is_set():
                outcome.tasks.append(_result(task, Outcome.NOT_RUN, outcome.stopped or "stopped"))
                return
            result, findings = await _run_task(task, checks[task.check_id], state)
            if result.outcome is Outcome.NOT_RUN and result.reason.startswith("budget"):
                outcome.stopped = outcome.stopped or result.reason
                stop.set()
            for finding in findings:
                if _merge_api_wide(outcome.findings, finding, task):
                    continue
                outcome.findings.append(_with_probe(finding, task))
                emit(FindingMade(finding))
            outcome.tasks.append(result)
            emit(TaskFinished(result, state.session.recorder.count))

    # Read-only tasks first, then the state-changing ones: a write probe (a role changed and
    # restored by mass assignment) must not skew what the read-only checks observe meanwhile.
    # Exclusive tasks (timing measurements) come next, one at a time, with nothing beside them.
    # Reviews last: they judge every exchange the probes recorded.
    probes = [t for t in plan.tasks if checks[t.check_id].phase == "probe"]
    shared = [t for t in probes if not checks[t.check_id].exclusive]
    phases = [
        [t for t in shared if checks[t.check_id].safety is Safety.READ_ONLY],
        [t for t in shared if checks[t.check_id].safety is not Safety.READ_ONLY],
        *([t] for t in probes if checks[t.check_id].exclusive),
        [t for t in plan.tasks if checks[t.check_id].phase == "review"],
    ]
    started: list[asyncio.Future[None]] = []
    try:
        for phase in phases:
            pending = [asyncio.ensure_future(one(task)) for task in phase]
            started += pending
            await asyncio.gather(*pending)
    except asyncio.CancelledError:
        outcome.stopped = outcome.stopped or "interrupted"
        for future in started:
            future.cancel()
        await asyncio.gather(*started, return_exceptions=True)
        done = {(t.check_id, t.operation.key if t.operation else None) for t in outcome.tasks}
        for task in plan.tasks:
            if (task.check_id, task.operation.key if task.operation else None) not in done:
                outcome.tasks.append(_result(task, Outcome.NOT_RUN, "interrupted"))
    # A check may report for another check (a chained proof); only selected checks are reported.
    outcome.findings = [f for f in outcome.findings if f.check_id in checks]
    outcome.tasks = settle_inconclusive(outcome.tasks, outcome.findings)
    outcome.findings = fold_subsumed(outcome.findings, checks)
    emit(ScanStopped(outcome.stopped))
    return outcome


def fold_subsumed(findings: list[Finding], checks: Mapping[str, Check]) -> list[Finding]:
    """Root cause, not noise (CHECKS.md §1.2): a finding of a check that another finding's check
    `subsumes`, on the same operation or API-wide, is listed in that finding's evidence details
    instead of being reported on its own."""
    kept: list[Finding] = []
    folded: dict[int, list[str]] = {}

    def root_of(finding: Finding) -> int | None:
        return next(
            (
                index
                for index, other in enumerate(findings)
                if other is not finding
                and other.check_id in checks
                and finding.check_id in checks[other.check_id].subsumes
                and (other.operation is None or other.operation == finding.operation)
            ),
            None,
        )

    for finding in findings:
        root = root_of(finding)
        seen = {root}
        # a chain (A subsumes B, B subsumes C): C folds into A, the root that is itself kept
        while root is not None and (above := root_of(findings[root])) not in seen:
            if above is None:
                break
            seen.add(above)
            root = above
        if root is None or findings[root] is finding:  # a cycle keeps them both
            kept.append(finding)
        else:
            label = finding.operation.key if finding.operation else "API-wide"
            folded.setdefault(root, []).append(f"{finding.check_id} ({label})")
    for index, names in folded.items():
        root_finding = findings[index]
        position = kept.index(root_finding)
        kept[position] = replace(
            root_finding, details={**root_finding.details, "subsumes": sorted(set(names))}
        )
    return kept


def settle_inconclusive(tasks: list[TaskResult], findings: list[Finding]) -> list[TaskResult]:
    """An operation × check with a finding is not also "inconclusive": a task that could not
    decide on its own, where its check has a finding on the same operation or an API-wide one
    (often made by another task, or by a chained proof), is covered by that finding."""
    api_wide: dict[str, Finding] = {}
    on_operation: set[tuple[str, str]] = set()
    for finding in findings:
        if finding.operation is None:
            api_wide.setdefault(finding.check_id, finding)
        else:
            on_operation.add((finding.check_id, finding.operation.key))
    settled: list[TaskResult] = []
    for task in tasks:
        reason = None
        if task.outcome is Outcome.INCONCLUSIVE:
            key = task.operation.key if task.operation else None
            if key is not None and (task.check_id, key) in on_operation:
                reason = f"covered by the finding on {key}"
            elif task.check_id in api_wide:
                where = api_wide[task.check_id].details.get("confirmed_on") or []
                reason = "covered by the API-wide finding" + (
                    f" (confirmed on {', '.join(where)})" if where else ""
                )
        settled.append(
            task if reason is None else replace(task, outcome=Outcome.SKIPPED, reason=reason)
        )
    return settled


async def _run_task(task: Task, check: Check, state: ScanState) -> tuple[TaskResult, list[Finding]]:
    ctx = TaskContext(state, task.operation, task.identity)
    findings: list[Finding] = []
    started = time.monotonic()

    def done(result_outcome: Outcome, reason: str = "") -> TaskResult:
        return TaskResult(
            check_id=task.check_id,
            operation=OperationRef.of(task.operation) if task.operation else None,
            identity=ctx.identity,
            outcome=result_outcome,
            reason=state.redactor.text(reason),
            requests=ctx.requests,
            duration=round(time.monotonic() - started, 3),
        )

    try:
        async for finding in check.run(ctx):
            # at the edge: whatever the check put in it, and however it built it
            findings.append(state.redactor.finding(finding))
    except Inconclusive as exc:
        # a finding made before a later sub-probe could not decide is still a finding
        if findings:
            return done(Outcome.FINDING), findings
        return done(Outcome.INCONCLUSIVE, str(exc)), findings
    except CoveredElsewhere as exc:
        return done(Outcome.SKIPPED, f"covered elsewhere: {exc}"), findings
    except NotApplicable as exc:
        return done(Outcome.SKIPPED, str(exc)), findings
    except BudgetExhausted as exc:
        return done(Outcome.NOT_RUN, f"budget: {exc}"), findings
    except (SafetyError, ScopeError) as exc:
        return done(Outcome.SKIPPED, str(exc)), findings
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the one broad catch: a crashing check must not end the scan
        log.debug("check %s crashed:\n%s", task.check_id, traceback.format_exc())
        return done(Outcome.ERROR, f"{type(exc).__name__}: {exc}"), findings
    return done(Outcome.FINDING if findings else Outcome.PASSED), findings


def _result(task: Task, outcome: Outcome, reason: str) -> TaskResult:
    return TaskResult(
        check_id=task.check_id,
        operation=OperationRef.of(task.operation) if task.operation else None,
        identity=task.identity,
        outcome=outcome,
        reason=reason,
    )


def _with_probe(finding: Finding, task: Task) -> Finding:
    """API-wide findings list the operations where they were confirmed (issue #4 §6)."""
    if finding.operation is not None or task.operation is None:
        return finding
    return replace(finding, details={**finding.details, "confirmed_on": [task.operation.key]})


def _merge_api_wide(findings: list[Finding], finding: Finding, task: Task) -> bool:
    """One finding per API: a later confirmation on another operation joins the first one."""
    if finding.operation is not None or task.operation is None:
        return False
    for index, existing in enumerate(findings):
        if existing.fingerprint == finding.fingerprint:
            confirmed = list(
                dict.fromkeys([*existing.details.get("confirmed_on", []), task.operation.key])
            )
            # the merged finding keeps the highest severity, with that result's own evidence
            kept = finding if finding.severity > existing.severity else existing
            findings[index] = replace(kept, details={**kept.details, "confirmed_on": confirmed})
            return True
    return False
