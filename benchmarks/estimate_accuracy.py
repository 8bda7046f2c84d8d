"""Dry-run accuracy: the plan's request estimate against the requests a lab scan sends, per check.

Scans the lab (every flaw on) with two configs a user would have: the bundled demo config (six
identities, seeded resources) and the config `authsift init --spec <lab>/openapi.json` writes,
with the lab's users filled in as `authsift lab` tells (three login identities, no seeds). For
each check it prints the tasks, the estimate and the requests sent by its tasks, baselines apart
(a baseline is sent once per operation and identity, by whichever task needs it first), then the
totals: the dry-run estimate must stay within 20 % of what is sent (tests/test_demo.py).

`--target tests/targets/NAME` scans a practice target instead (its own authsift.yaml, noisy
checks on): issue 10 asks that a scan with the rate-limiting family on stays within its estimate
±20 % on APIs the checks were not written against.

    python benchmarks/estimate_accuracy.py [--intrusive] [--noisy] [--config lab|init]
    python benchmarks/estimate_accuracy.py --target tests/targets/turnstile [--hardened]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

from rich.console import Console
from rich.table import Table

from authsift.app.demo import lab_config, lab_config_path
from authsift.app.dryrun import load_spec_for_plan
from authsift.app.quickstart import write_starter
from authsift.config import Config, load_config
from authsift.engine import runner
from authsift.engine.context import TaskContext
from authsift.engine.scan import ScanOptions, build_plan, run_scan, select_checks
from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread
from authsift.lab.users import DEFAULT_USERS

_current_check: contextvars.ContextVar[str] = contextvars.ContextVar("check", default="?")
_in_baseline: contextvars.ContextVar[bool] = contextvars.ContextVar("baseline", default=False)


def init_config(url: str, directory: Path, overrides: dict[str, Any]) -> Config:
    """The quickstart config: `authsift init` on the lab's spec, passwords as the lab prints."""
    starter = write_starter(f"{url}/openapi.json", None, directory / "authsift.yaml", force=True)
    passwords = {f"{u.username.upper()}_PASSWORD": u.password for u in DEFAULT_USERS}
    return load_config(starter.path, env={**os.environ, **passwords}).override(overrides)


@contextlib.contextmanager
def counting() -> Iterator[tuple[Counter[str], Counter[str]]]:
    """Requests per check, and baseline requests per check that triggered them."""
    checks: Counter[str] = Counter()
    baselines: Counter[str] = Counter()
    send, measure, run_task = TaskContext.send, TaskContext._measure_baseline, runner._run_task

    async def counted_send(self: TaskContext, *args: Any, **kwargs: Any) -> Any:
        (baselines if _in_baseline.get() else checks)[_current_check.get()] += 1
        return await send(self, *args, **kwargs)

    async def counted_measure(self: TaskContext, *args: Any, **kwargs: Any) -> Any:
        token = _in_baseline.set(True)
        try:
            return await measure(self, *args, **kwargs)
        finally:
            _in_baseline.reset(token)

    async def labelled_run_task(task: Any, check: Any, state: Any) -> Any:
        _current_check.set(task.check_id)  # each task runs in its own asyncio task: no leak
        return await run_task(task, check, state)

    with (
        mock.patch.object(TaskContext, "send", counted_send),
        mock.patch.object(TaskContext, "_measure_baseline", counted_measure),
        mock.patch.object(runner, "_run_task", labelled_run_task),
    ):
        yield checks, baselines


@contextlib.contextmanager
def practice_target(directory: Path, hardened: bool) -> Iterator[str]:
    """A practice target's app.py on a free loopback port, stopped afterwards."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    argv = [sys.executable, "app.py", str(port), *(["--hardened"] if hardened else [])]
    child = subprocess.Popen(
        argv, cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if child.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{directory.name} did not start") from None
                time.sleep(0.2)
        yield str(port)
    finally:
        child.terminate()
        child.wait(timeout=10)


def measure(
    kind: str, intrusive: bool, console: Console, hardened: bool = False, noisy: bool = False
) -> float:
    settings = LabSettings.hardened_twin() if hardened else LabSettings.vulnerable()
    overrides: dict[str, Any] = {
        "checks.intrusive": intrusive or noisy,  # the login-guessing checks need both
        "checks.noisy": noisy,
        "limits.rate": 1000,
    }
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        overrides["report.dir"] = tmp
        if kind in ("lab", "init"):
            url = stack.enter_context(run_in_thread(settings))
            if kind == "lab":
                config, base = lab_config(settings, url, overrides), lab_config_path().parent
            else:
                config, base = init_config(url, Path(tmp), overrides), Path(tmp)
        else:  # a practice target, as its authsift.yaml says (its own rate, noisy checks on)
            directory = Path(kind)
            port = stack.enter_context(practice_target(directory, hardened))
            text = (directory / "authsift.yaml").read_text().replace("${PORT}", port)
            (Path(tmp) / "authsift.yaml").write_text(text)
            base = Path(tmp)
            config = load_config(base / "authsift.yaml").override(
                {"report.dir": tmp, "checks.noisy": True}
            )
        plan = build_plan(config, load_spec_for_plan(config, base), select_checks(config))
        with counting() as (sent, baselines):
            result = asyncio.run(run_scan(ScanOptions(config=config, config_dir=base)))
    estimates: Counter[str] = Counter()
    tasks: Counter[str] = Counter()
    for task in plan.tasks:
        estimates[task.check_id] += task.estimate
        tasks[task.check_id] += 1
    outcomes: dict[str, Counter[str]] = {}
    for done in result.tasks:
        label = done.outcome.value + (f" ({done.reason[:60]})" if done.reason else "")
        outcomes.setdefault(done.check_id, Counter())[label] += 1
    table = Table(
        "check", "tasks", "estimate", "sent", "baselines sent", "outcomes", title=f"{kind} config"
    )
    for check_id in sorted(tasks):
        table.add_row(
            check_id,
            str(tasks[check_id]),
            str(estimates[check_id]),
            str(sent[check_id]),
            str(baselines[check_id]),
            "; ".join(f"{n}× {label}" for label, n in outcomes.get(check_id, Counter()).items()),
        )
    console.print(table)
    noisy_ids = {task.check_id for task in plan.tasks if task.noisy is not None}
    if noisy_ids:
        throttled, unthrottled = plan.noisy_requests
        noisy_sent = sum(sent[c] + baselines[c] for c in noisy_ids)
        console.print(
            f"{kind}: noisy checks sent {noisy_sent}; the dry run said ~{throttled} where the "
            f"API limits them, ~{unthrottled} where it does not "
            f"({(noisy_sent - throttled) / max(1, throttled):+.0%} / "
            f"{(noisy_sent - unthrottled) / max(1, unthrottled):+.0%})"
        )
    total = result.stats.requests
    other = total - sum(sent.values()) - sum(baselines.values())
    error = (plan.estimated_requests - total) / total if total else 0.0
    console.print(
        f"{kind}: estimated {plan.estimated_requests} (preflight {plan.preflight_requests}, "
        f"baselines {plan.baseline_requests}, checks {plan.check_requests}) · sent {total} "
        f"(setup {other}, baselines {sum(baselines.values())}, checks {sum(sent.values())}) · "
        f"{error:+.0%}"
    )
    return error


def main() -> None:
    parser = argparse.ArgumentParser(description="Dry-run estimate against requests sent.")
    parser.add_argument("--intrusive", action="store_true", help="Allow state-changing checks.")
    parser.add_argument("--config", choices=("lab", "init"), help="Only this config.")
    parser.add_argument("--target", type=Path, help="A practice target's directory instead.")
    parser.add_argument(
        "--hardened", action="store_true", help="The target's (or the lab's) hardened twin."
    )
    parser.add_argument("--noisy", action="store_true", help="Lab: the rl- checks on too.")
    args = parser.parse_args()
    console = Console()
    if args.target is not None:
        errors = [measure(str(args.target), args.intrusive, console, args.hardened)]
    else:
        errors = [
            measure(kind, args.intrusive, console, args.hardened, noisy=args.noisy)
            for kind in ("lab", "init")
            if args.config in (None, kind)
        ]
    console.print(f"worst: {max(errors, key=abs):+.0%} (the test allows ±20 %)")


if __name__ == "__main__":
    main()
