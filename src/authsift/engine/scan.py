"""One scan, end to end: config → spec → logins → preflight → plan → tasks → a ScanResult.

This is the composition root of the engine; the CLI calls `run_scan` and renders what comes back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from authsift import __version__
from authsift.checks.base import Check, ScanFacts, registry
from authsift.config import Config
from authsift.engine.auth import AuthError, AuthManager
from authsift.engine.discovery import Discovery, discover_for
from authsift.engine.discovery import estimate as estimate_discovery
from authsift.engine.events import Listener
from authsift.engine.identities import identity_infos, identity_specs, register_secrets
from authsift.engine.login_facts import login_facts, login_usernames
from authsift.engine.preflight import PreflightError, estimate_preflight, run_preflight
from authsift.engine.recorder import Recorder
from authsift.engine.redact import Redactor, redacted_logging
from authsift.engine.runner import RunOutcome, run_plan
from authsift.engine.scan_state import ScanState
from authsift.engine.scope import Scope
from authsift.engine.session import HttpSession, SessionSettings
from authsift.engine.specs import SpecUnavailable, obtain_spec
from authsift.model import (
    ApiSpec,
    CheckEntry,
    IdentitySummary,
    OperationRef,
    Outcome,
    ScanResult,
    TaskResult,
)
from authsift.plan import (
    Capabilities,
    Plan,
    SelectionError,
    Task,
    make_plan,
    noisy_named,
    nothing_to_test,
    resolve_selection,
    select_operations,
)
from authsift.spec.classify import operation_matches, representative_operations

log = logging.getLogger(__name__)


class SetupError(Exception):
    """Anything that stops a scan before it starts (exit 2): spec, login, preflight."""


@dataclass(slots=True)
class ScanOptions:
    config: Config
    config_dir: Path = field(default_factory=Path.cwd)
    har: Path | None = None
    listener: Listener | None = None


def select_checks(config: Config) -> dict[str, Check]:
    """`checks.include` / `checks.exclude` take check ids or family names (`jwt`, `authz`).
    Raises `SelectionError` (one line, exit 2) on an unknown name or an empty selection."""
    catalogue = registry()
    selection = resolve_selection(catalogue, config.checks.include, config.checks.exclude)
    return {check_id: catalogue[check_id]() for check_id in selection.chosen}


def check_entries(config: Config) -> list[CheckEntry]:
    """Every check of the catalogue, with why it is left out of this scan, for the coverage."""
    catalogue = registry()
    selection = resolve_selection(catalogue, config.checks.include, config.checks.exclude)
    return [
        CheckEntry(check_id, cls.family, cls.title, selection.left_out.get(check_id, ""))
        for check_id, cls in catalogue.items()
    ]


def capabilities(config: Config) -> Capabilities:
    endpoints = config.endpoints
    logins = any(i.auth.type == "login" for i in config.identities)
    return Capabilities(
        login=endpoints.login is not None or logins,
        refresh=endpoints.refresh is not None,
        logout=endpoints.logout is not None,
        oidc=endpoints.oidc_discovery is not None,
        authorization_server=config.oauth.issuer is not None,
        oauth_client=config.oauth.issuer is not None and config.oauth.client is not None,
        oauth_user=config.oauth.issuer is not None and config.oauth.user is not None,
        abuse_account=config.abuse.account is not None,
    )


def build_plan(config: Config, spec: ApiSpec, checks: Mapping[str, Check]) -> Plan:
    infos = identity_infos(config)
    has_probe = bool(representative_operations(list(spec.operations), limit=1))
    fetched = spec.source.startswith(("http://", "https://"))  # the scan GETs a URL spec again
    documented = [op for op in spec.operations if op.undocumented is None]
    in_scope, _ = select_operations(
        documented, config.operations.include, config.operations.exclude
    )
    discovery = estimate_discovery(in_scope) if wants_discovery(checks) else 0
    return make_plan(
        checks,
        list(spec.operations),
        infos,
        caps=capabilities(config),
        intrusive=config.checks.intrusive,
        noisy=config.checks.noisy,
        noisy_names=noisy_named(config.checks.include),
        max_attempts=config.abuse.max_attempts,
        include_ops=config.operations.include,
        exclude_ops=config.operations.exclude,
        preflight_requests=estimate_preflight([i.auth_type for i in infos], has_probe)
        + int(fetched),
        discovery_requests=discovery,
    )


def wants_discovery(checks: Mapping[str, Check]) -> bool:
    """Unlisted-endpoint discovery runs when a selected check judges what it finds."""
    return any(check.uses_discovery for check in checks.values())


def session_settings(config: Config) -> SessionSettings:
    limits = config.limits
    excludes = list(config.operations.exclude)
    return SessionSettings(
        rate=limits.rate,
        concurrency=limits.concurrency,
        max_requests=limits.max_requests,
        timeout=limits.timeout,
        max_time=limits.max_time,
        max_body=limits.max_body,
        retries=limits.retries,
        verify_tls=config.tls.verify,
        proxy=config.proxy,
        intrusive=config.checks.intrusive,
        user_agent=f"authsift/{__version__}",
        excluded=lambda method, path: any(operation_matches(p, method, path) for p in excludes),
    )


async def run_scan(options: ScanOptions) -> ScanResult:
    config = options.config
    started = datetime.now(UTC)
    clock = time.monotonic()
    redactor = Redactor()
    register_secrets(config, redactor)
    recorder = Recorder(redactor=redactor)
    auth = AuthManager(identity_specs(config), config.target, redactor)
    try:
        checks = select_checks(config)
    except SelectionError as exc:
        raise SetupError(str(exc)) from None
    result = ScanResult(
        tool_version=__version__,
        target=config.target,
        started_at=_iso(started),
        finished_at="",
        checks=check_entries(config),
    )
    with redacted_logging(redactor):
        return await _scan(
            options, config, redactor, recorder, auth, checks, result, started, clock
        )


async def _scan(
    options: ScanOptions,
    config: Config,
    redactor: Redactor,
    recorder: Recorder,
    auth: AuthManager,
    checks: dict[str, Check],
    result: ScanResult,
    started: datetime,
    clock: float,
) -> ScanResult:
    async with HttpSession(
        Scope(config.target, config.scope_entries),
        session_settings(config),
        recorder=recorder,
        credentials=auth,
    ) as session:
        auth.bind(session)
        try:
            try:
                failures = await auth.login_all()
                if failures:
                    raise SetupError("; ".join(failures[name] for name in sorted(failures)))
                spec = await obtain_spec(session, config, options.config_dir, auth)
                preflight = await run_preflight(
                    session, auth, config.target, list(spec.operations), _resources(config)
                )
            except (AuthError, PreflightError, SpecUnavailable) as exc:
                raise SetupError(redactor.text(str(exc))) from exc
            for warning in preflight.warnings:
                log.warning("%s", redactor.text(warning))
            for note in preflight.notes:
                log.info("%s", redactor.text(note))
            discovery: Discovery | None = None
            interrupted = False
            if wants_discovery(checks):
                try:
                    discovery = await discover_for(
                        session, config, spec.operations, preflight.calibration
                    )
                except asyncio.CancelledError:  # Ctrl-C: a partial report, nothing run
                    discovery, interrupted = Discovery(stopped="interrupted"), True
                spec = replace(spec, operations=(*spec.operations, *discovery.operations))
            plan = build_plan(config, spec, checks)
            if not plan.tasks and discovery is None:
                raise SetupError(nothing_to_test(plan))
            in_scope, _ = select_operations(
                spec.operations, config.operations.include, config.operations.exclude
            )
            state = ScanState(
                target=config.target,
                session=session,
                auth=auth,
                redactor=redactor,
                roles={i.name: i.role for i in config.identities},
                privileged_roles=frozenset(config.privileged_roles),
                resources=_resources(config),
                calibration=preflight.calibration,
                markers=preflight.markers,
                operations=tuple(in_scope),
                facts=replace(scan_facts(config), api_title=spec.title),
            )
            result.spec_source = redactor.text(spec.source)
            if interrupted:
                outcome = RunOutcome(
                    tasks=[_not_run(task, "interrupted") for task in plan.tasks],
                    stopped="interrupted",
                )
            else:
                outcome = await run_plan(
                    plan,
                    checks,
                    state,
                    concurrency=config.limits.concurrency,
                    listener=options.listener,
                )
            result.findings = outcome.findings
            result.tasks = outcome.tasks + [
                _skipped(skip.check_id, skip.operation, skip.reason)
                for skip in plan.skipped
                if skip.check_id != "*"
            ]
            result.partial = bool(outcome.stopped)
            result.partial_reason = outcome.stopped
            result.stats.operations = len(spec.operations)
            result.stats.checks_run = len({t.check_id for t in plan.tasks})
            result.stats.tasks = len(plan.tasks)
            if discovery is not None:
                result.extras["discovery"] = redactor.value(discovery.inventory())
                result.tasks += discovery.passed_tasks(checks)
            result.extras.update(redactor.value(state.extras))
            result.extras["plan"] = {"estimated_requests": plan.estimated_requests}
        finally:
            if options.har is not None:
                recorder.write_har(options.har, redactor, version=__version__)
    result.finished_at = _iso(datetime.now(UTC))
    result.stats.requests = recorder.count
    result.stats.duration = round(time.monotonic() - clock, 3)
    result.stats.requests_by_status = dict(recorder.by_status)
    result.stats.errors = len(result.errors)
    result.identities = [
        IdentitySummary(
            name=i.name,
            role=i.role,
            auth_type=i.auth.type,
            requests=recorder.sent_as[i.name],
            succeeded=recorder.succeeded_as[i.name],
            logged_in=auth.states[i.name].credential is not None,
        )
        for i in config.identities
    ]
    return result


def scan_facts(config: Config) -> ScanFacts:
    endpoints = config.endpoints
    named = {"login": endpoints.login, "refresh": endpoints.refresh, "logout": endpoints.logout}
    return ScanFacts(
        target=config.target,
        intrusive=config.checks.intrusive,
        policy=config.policy.model_dump(),
        endpoints={k: (v.method, v.path) for k, v in named.items() if v is not None}
        | (
            {"oidc_discovery": ("GET", endpoints.oidc_discovery)}
            if endpoints.oidc_discovery
            else {}
        ),
        identity_scopes={i.name: tuple(i.scopes) for i in config.identities},
        identity_auth={i.name: i.auth.type for i in config.identities},
        settings=config.jwt.as_settings()
        | config.lifecycle.as_settings()
        | {"oauth": config.oauth.as_settings(config.target), "abuse": config.abuse.as_settings()},
        resources={
            name: {param: tuple(str(v) for v in values) for param, values in per.items()}
            for name, per in config.resources.items()
        },
        login=login_facts(config),
        privileged_roles=tuple(config.privileged_roles),
        identity_usernames=login_usernames(config),
    )


def _resources(config: Config) -> dict[str, dict[str, list[object]]]:
    return {
        name: {param: list(values) for param, values in per.items()}
        for name, per in config.resources.items()
    }


def _not_run(task: Task, reason: str) -> TaskResult:
    ref = OperationRef.of(task.operation) if task.operation else None
    return TaskResult(task.check_id, ref, task.identity, Outcome.NOT_RUN, reason)


def _skipped(check_id: str, operation: str | None, reason: str) -> TaskResult:
    ref = None
    if operation:
        method, _, path = operation.partition(" ")
        ref = OperationRef(method, path)
    return TaskResult(
        check_id=check_id, operation=ref, identity=None, outcome=Outcome.SKIPPED, reason=reason
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def run_scan_sync(options: ScanOptions) -> ScanResult:
    return asyncio.run(run_scan(options))
