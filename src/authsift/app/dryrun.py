"""`authsift scan --dry-run`: the plan the scan would run, its request estimate and its duration.

Nothing is sent but, when the spec is a URL, one anonymous GET for the spec itself.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from authsift.app.workflow import print_error
from authsift.config import Config
from authsift.engine.scan import build_plan, select_checks, session_settings
from authsift.engine.scope import Scope
from authsift.engine.session import HttpSession
from authsift.engine.specs import SpecUnavailable, load_local_spec, obtain_spec
from authsift.model import ApiSpec, Safety
from authsift.plan import SelectionError, nothing_to_test


def load_spec_for_plan(config: Config, base_dir: Path) -> ApiSpec:
    source = config.spec
    if source and not source.startswith(("http://", "https://")):
        path = Path(source) if Path(source).is_absolute() else base_dir / source
        if path.is_file() or not source.startswith("/"):
            return load_local_spec(path)

    async def fetch() -> ApiSpec:
        from authsift.engine.auth import AuthManager
        from authsift.engine.redact import Redactor

        auth = AuthManager([], config.target, Redactor())
        async with HttpSession(
            Scope(config.target, config.scope_entries), session_settings(config)
        ) as session:
            return await obtain_spec(session, config, base_dir, auth)

    return asyncio.run(fetch())


def print_dry_run(config: Config, base_dir: Path, out: Console, err: Console) -> int:
    try:
        spec = load_spec_for_plan(config, base_dir)
    except (SpecUnavailable, OSError) as exc:
        print_error(err, str(exc))
        return 2
    try:
        checks = select_checks(config)
    except SelectionError as exc:
        print_error(err, str(exc))
        return 2
    plan = build_plan(config, spec, checks)
    table = Table("check", "tasks", "requests (est.)", "safety", title=f"Plan for {config.target}")
    for check_id, tasks in plan.tasks_by_check().items():
        table.add_row(
            check_id,
            str(len(tasks)),
            str(sum(t.estimate for t in tasks)),
            checks[check_id].safety.value,
        )
    out.print(table)
    limits = config.limits
    seconds = plan.estimated_seconds(limits.rate, limits.concurrency)
    out.print(
        f"{len(spec.operations)} operations · {len(plan.tasks)} tasks · "
        f"~{plan.estimated_requests} requests (preflight {plan.preflight_requests}, "
        + (f"discovery ≤ {plan.discovery_requests}, " if plan.discovery_requests else "")
        + f"baselines {plan.baseline_requests}, checks {plan.check_requests}) · "
        f"~{seconds:.0f}s at {limits.rate:g} req/s "
        f"(budget {limits.max_requests}, max_time {limits.max_time:g}s)"
    )
    noisy = {cid for cid in plan.tasks_by_check() if checks[cid].safety is Safety.NOISY}
    if noisy:
        throttled, unthrottled = plan.noisy_requests
        out.print(
            f"noisy checks ({', '.join(sorted(noisy))}): ~{throttled} requests where the API "
            f"limits them, ~{unthrottled} where it does not (the checks stop "
            "at the first limit signal, at most abuse.max_attempts per endpoint each); the "
            "total above counts the middle",
            highlight=False,
        )
    if plan.discovery_requests:
        users = sorted(i for i, c in checks.items() if c.uses_discovery)
        out.print(
            f"unlisted-endpoint discovery: ≤ {plan.discovery_requests} read-only GETs before the "
            f"plan; every endpoint it finds is added to the plan ({', '.join(users)} judge them, "
            "the other checks test them too)",
            highlight=False,
        )
    if plan.estimated_requests > limits.max_requests:
        out.print(
            "[yellow]the estimate exceeds max_requests: "
            "the tail of the plan will be reported as not run[/]"
        )
    reasons = Counter(f"{s.check_id}: {s.reason}" for s in plan.skipped)
    if reasons:
        out.print("[bold]skipped[/]")
        for reason, count in sorted(reasons.items()):
            out.print(
                f"  {reason}" + (f" ({count} operations)" if count > 1 else ""), highlight=False
            )
    if not plan.tasks:  # the scan would refuse to run: say so here too
        print_error(err, nothing_to_test(plan))
        return 2
    return 0
