"""The runner's safety nets: a crashing check, a spent budget, and Ctrl-C."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from authsift.checks import base as checks_base
from authsift.checks.base import Check, Context, Inconclusive
from authsift.cli import app
from authsift.config import parse_config
from authsift.engine.runner import fold_subsumed, settle_inconclusive
from authsift.engine.scan import ScanOptions, run_scan
from authsift.model import (
    Confidence,
    Evidence,
    Family,
    Finding,
    OperationRef,
    Outcome,
    ScanResult,
    Severity,
    TaskResult,
)
from tests.apps.toy_api import PASSWORD_ENV, ToyOptions, toy_config
from tests.conftest import write_spec, write_yaml


@pytest.fixture
def crashing_check() -> Iterator[str]:
    class Crashes(Check):
        """Test double: raises on every run."""

        id = "authz-test-crashes"
        title = "crashes"
        family = Family.AUTHZ
        severity = Severity.LOW
        cwe = (0,)
        owasp = "API0"
        max_requests = 1

        async def run(self, ctx: Context) -> AsyncIterator[Finding]:
            await ctx.send(ctx.build())
            raise RuntimeError("deliberate crash")
            yield  # pragma: no cover

    try:
        yield Crashes.id
    finally:
        checks_base._REGISTRY.pop(Crashes.id, None)


@pytest.mark.usefixtures("toy_env")
def test_a_crashing_check_is_recorded_and_the_scan_goes_on(
    tmp_path: Path, toy_server: Any, crashing_check: str
) -> None:
    url, _ = toy_server(ToyOptions(unauthenticated_orders=True))
    config = toy_config(url, str(write_spec(tmp_path / "s.json")), report={"formats": ["json"]})
    config["checks"] = {"include": [crashing_check, "authz-unauthenticated-access"]}
    path = write_yaml(tmp_path / "a.yaml", config)
    result = CliRunner().invoke(
        app, ["scan", "-c", str(path), "-o", str(tmp_path / "r.json"), "-q"]
    )
    assert result.exit_code == 1, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert {e["check"] for e in report["errors"]} == {crashing_check}
    assert all("deliberate crash" in e["reason"] for e in report["errors"])
    assert [f["check"] for f in report["findings"]] == ["authz-unauthenticated-access"]


@pytest.mark.usefixtures("toy_env")
def test_a_spent_budget_reports_not_run_never_passed(tmp_path: Path, toy_server: Any) -> None:
    url, state = toy_server(ToyOptions())
    config = toy_config(url, str(write_spec(tmp_path / "s.json")), report={"formats": ["json"]})
    config["limits"] = {"rate": 200, "max_requests": 14}
    path = write_yaml(tmp_path / "a.yaml", config)
    result = CliRunner().invoke(
        app, ["scan", "-c", str(path), "-o", str(tmp_path / "r.json"), "-q"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["partial"] is True and "budget" in report["partial_reason"]
    assert report["not_run"] and all(
        t["reason"].startswith(("budget", "request budget")) for t in report["not_run"]
    )
    assert sum(state.hits.values()) <= 14


async def test_cancellation_returns_a_partial_result(tmp_path: Path, toy_server: Any) -> None:
    url, _ = toy_server(ToyOptions())
    data = toy_config(url, str(write_spec(tmp_path / "s.json")), limits={"rate": 5})
    config = parse_config(data, base_dir=tmp_path, env=PASSWORD_ENV)
    scan = asyncio.ensure_future(run_scan(ScanOptions(config=config, config_dir=tmp_path)))
    await asyncio.sleep(2.5)  # logins and preflight done, some tasks running
    scan.cancel()
    result = await scan
    assert result.partial and result.partial_reason == "interrupted"
    assert any(t.outcome is Outcome.NOT_RUN and t.reason == "interrupted" for t in result.tasks)


async def test_cancellation_during_discovery_ends_the_scan_at_once(
    tmp_path: Path, toy_server: Any
) -> None:
    """Ctrl-C while unlisted-endpoint discovery runs (about 190 GETs: 95 s at 2 req/s) ends
    the scan within a second or two, with a partial result and nothing run."""
    url, state = toy_server(ToyOptions())
    data = toy_config(url, str(write_spec(tmp_path / "s.json")), limits={"rate": 2})
    config = parse_config(data, base_dir=tmp_path, env=PASSWORD_ENV)
    scan = asyncio.ensure_future(run_scan(ScanOptions(config=config, config_dir=tmp_path)))
    for _ in range(300):  # until discovery probes its own unknown path (after the preflight's)
        await asyncio.sleep(0.1)
        if any(path.endswith("-no-such-path") for path in state.hits):
            break
    else:
        pytest.fail(f"discovery did not start: {dict(state.hits)}")
    scan.cancel()
    result = await asyncio.wait_for(scan, timeout=10)
    assert result.partial and result.partial_reason == "interrupted"
    assert result.tasks and all(
        t.outcome is not Outcome.PASSED and t.outcome is not Outcome.FINDING for t in result.tasks
    )
    assert any(t.outcome is Outcome.NOT_RUN and t.reason == "interrupted" for t in result.tasks)


@pytest.mark.usefixtures("toy_env")
def test_ctrl_c_writes_partial_reports(tmp_path: Path, toy_server: Any) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    url, _ = toy_server(ToyOptions())
    spec = str(write_spec(tmp_path / "s.json"))
    # Interrupted among the checks, not during unlisted-endpoint discovery (~190 GETs at 4 req/s):
    # the checks that ask for discovery are left out here.
    config = toy_config(
        url,
        spec,
        report={"formats": ["json", "html"]},
        limits={"rate": 4},
        checks={"exclude": ["authz-unlisted-endpoint", "transport-debug-log-exposure"]},
    )
    path = write_yaml(tmp_path / "a.yaml", config)
    # Logins and preflight take about 2.5 s at 4 req/s on an idle machine; on a busy one the
    # interrupt may land before the first check ran (exit 2, no report): wait longer and retry.
    for wait in (4, 8, 16):
        scan = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "authsift",
                "scan",
                "-qc",
                str(path),
                "-o",
                str(tmp_path / "out"),
            ],
            env={**os.environ, **PASSWORD_ENV},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        time.sleep(wait)
        scan.send_signal(signal.SIGINT)
        output, _ = scan.communicate(timeout=120)  # the interrupted scan still writes its reports
        if not (scan.returncode == 2 and b"before the first check ran" in output):
            break
    assert scan.returncode in (0, 1), output.decode()
    assert b"Traceback" not in output
    report = json.loads((tmp_path / "out" / "authsift.json").read_text())
    assert report["partial"] is True and report["partial_reason"] == "interrupted"
    assert (tmp_path / "out" / "authsift.html").is_file()


# --------------------------------------------------------------------------- issue 14 §3


@pytest.fixture
def finds_then_gives_up() -> Iterator[str]:
    class FindsThenGivesUp(Check):
        """Test double: a finding, then a sub-probe that cannot decide."""

        id = "authz-test-finds-then-gives-up"
        title = "finds, then gives up"
        family = Family.AUTHZ
        severity = Severity.LOW
        cwe = (0,)
        owasp = "API0"
        max_requests = 1

        async def run(self, ctx: Context) -> AsyncIterator[Finding]:
            exchange = await ctx.send(ctx.build())
            yield ctx.finding(self, description="seen", evidence=[Evidence("probe", exchange)])
            raise Inconclusive("a later sub-probe could not decide")

    try:
        yield FindsThenGivesUp.id
    finally:
        checks_base._REGISTRY.pop(FindsThenGivesUp.id, None)


async def test_a_finding_then_an_undecided_sub_probe_is_a_finding(
    tmp_path: Path, toy_server: Any, finds_then_gives_up: str
) -> None:
    url, _ = toy_server(ToyOptions())
    data = toy_config(url, str(write_spec(tmp_path / "s.json")))
    data["checks"] = {"include": [finds_then_gives_up]}
    config = parse_config(data, base_dir=tmp_path, env=PASSWORD_ENV)
    result = await run_scan(ScanOptions(config=config, config_dir=tmp_path))
    ran = [t for t in result.tasks if t.outcome is not Outcome.SKIPPED]
    assert ran and all(t.outcome is Outcome.FINDING for t in ran)
    assert not result.inconclusive
    assert len(result.findings) == len(ran)


def _task(check: str, operation: str | None, outcome: Outcome, reason: str = "") -> TaskResult:
    ref = OperationRef(*operation.split(" ", 1)) if operation else None
    return TaskResult(check, ref, "alice", outcome, reason)


def _finding(check: str, operation: str | None, **details: Any) -> Finding:
    ref = OperationRef(*operation.split(" ", 1)) if operation else None
    return Finding(
        check, "t", Severity.HIGH, Confidence.FIRM, Family.JWT, (1,), "API2", ref, "alice", "d",
        (), "", "", f"fp-{check}-{operation}", details=details,
    )  # fmt: skip


def test_settling_turns_contradicted_inconclusives_into_covered_skips() -> None:
    tasks = [
        _task("jwt-a", "GET /me", Outcome.FINDING),
        _task("jwt-a", "GET /keys", Outcome.INCONCLUSIVE, "no usable baseline"),
        _task("authz-b", "GET /orders/{id}", Outcome.INCONCLUSIVE, "sub-probe undecided"),
        _task("authz-b", "GET /users/{id}", Outcome.INCONCLUSIVE, "really undecided"),
        _task("jwt-c", "GET /me", Outcome.ERROR, "crashed"),
    ]
    findings = [
        _finding("jwt-a", None, confirmed_on=["GET /me"]),
        _finding("authz-b", "GET /orders/{id}"),
        _finding("jwt-c", None),
    ]
    settled = {(t.check_id, t.operation.key if t.operation else None): t for t in
               settle_inconclusive(tasks, findings)}  # fmt: skip
    keys = settled[("jwt-a", "GET /keys")]
    assert keys.outcome is Outcome.SKIPPED
    assert keys.reason == "covered by the API-wide finding (confirmed on GET /me)"
    orders = settled[("authz-b", "GET /orders/{id}")]
    assert orders.outcome is Outcome.SKIPPED and "GET /orders/{id}" in orders.reason
    assert settled[("authz-b", "GET /users/{id}")].outcome is Outcome.INCONCLUSIVE
    assert settled[("jwt-c", "GET /me")].outcome is Outcome.ERROR  # a crash stays a crash


def test_a_chain_of_subsumed_findings_folds_into_the_root_that_is_kept() -> None:
    """transport-debug-log-exposure subsumes authz-unlisted-endpoint, which subsumes
    authz-unauthenticated-access: all three on one endpoint leave one finding."""
    from types import SimpleNamespace

    checks: Any = {
        "a-root": SimpleNamespace(subsumes=frozenset({"a-middle", "a-leaf"})),
        "a-middle": SimpleNamespace(subsumes=frozenset({"a-leaf"})),
        "a-leaf": SimpleNamespace(subsumes=frozenset()),
    }
    op = "GET /debug"
    findings = [_finding("a-leaf", op), _finding("a-middle", op), _finding("a-root", op)]
    kept = fold_subsumed(findings, checks)
    assert [f.check_id for f in kept] == ["a-root"]
    assert kept[0].details["subsumes"] == [f"a-leaf ({op})", f"a-middle ({op})"]
    cycle: Any = {
        "a-one": SimpleNamespace(subsumes=frozenset({"a-two"})),
        "a-two": SimpleNamespace(subsumes=frozenset({"a-one"})),
    }
    assert len(fold_subsumed([_finding("a-one", op), _finding("a-two", op)], cycle)) >= 1


def test_the_lab_scan_lists_nothing_inconclusive_that_a_finding_answers(
    intrusive_lab_scan: tuple[ScanResult, Path],
) -> None:
    result, _ = intrusive_lab_scan
    api_wide = {f.check_id for f in result.findings if f.operation is None}
    on_operation = {(f.check_id, f.operation.key) for f in result.findings if f.operation}
    for task in result.inconclusive:
        where = task.operation.key if task.operation else None
        assert task.check_id not in api_wide, task
        assert (task.check_id, where) not in on_operation, task
        assert "once per scan" not in task.reason, task  # done elsewhere is not undecided


def test_a_baseline_comes_from_an_identity_that_may_call_the_operation(
    intrusive_lab_scan: tuple[ScanResult, Path],
) -> None:
    """GET /api-keys/self answers only API keys: alice and bob get 404, so the baseline comes
    from alice-ro (the user with an API key) instead of the task giving up."""
    result, _ = intrusive_lab_scan
    task = next(
        t
        for t in result.tasks
        if t.check_id == "authz-unauthenticated-access"
        and t.operation == OperationRef("GET", "/api-keys/self")
    )
    assert task.outcome in (Outcome.PASSED, Outcome.FINDING), task
    assert task.identity == "alice-ro"


# --------------------------------------------------------------------------- review phase


@pytest.fixture
def probe_and_review() -> Iterator[tuple[str, str]]:
    class Probes(Check):
        """Test double: one slow-ish probe with a marker in its query."""

        id = "authz-test-probes"
        title = "probes"
        family = Family.AUTHZ
        severity = Severity.LOW
        cwe = (0,)
        owasp = "API0"
        max_requests = 2
        granularity = "api"

        async def run(self, ctx: Context) -> AsyncIterator[Finding]:
            await asyncio.sleep(0.3)
            request = ctx.build()
            await ctx.send(replace(request, url=request.url + "?review-marker=1"))
            return
            yield  # pragma: no cover

    class Reviews(Check):
        """Test double: a review that reports the probe's exchange and the secrets it saw."""

        id = "authz-test-reviews"
        title = "reviews"
        family = Family.AUTHZ
        severity = Severity.LOW
        cwe = (0,)
        owasp = "API0"
        max_requests = 0
        granularity = "api"
        baselines = "none"
        phase = "review"

        async def run(self, ctx: Context) -> AsyncIterator[Finding]:
            seen = [e for e in ctx.recorded_exchanges() if "review-marker" in e.request.url]
            logins = [e for e in ctx.recorded_exchanges() if e.request.method == "POST"]
            secrets = {
                s.placeholder
                for e in logins
                for s in ctx.secrets_in((e.request.body or b"").decode())
            }
            if seen:
                yield ctx.finding(
                    self,
                    description=f"saw the probe; login secrets: {sorted(secrets)}",
                    evidence=[Evidence("probe", seen[0])],
                    api_wide=True,
                )

    try:
        yield Probes.id, Reviews.id
    finally:
        checks_base._REGISTRY.pop(Probes.id, None)
        checks_base._REGISTRY.pop(Reviews.id, None)


@pytest.mark.usefixtures("toy_env")
def test_a_review_runs_after_every_probe_and_sees_what_they_recorded(
    tmp_path: Path, toy_server: Any, probe_and_review: tuple[str, str]
) -> None:
    url, _ = toy_server(ToyOptions())
    config = toy_config(url, str(write_spec(tmp_path / "s.json")), report={"formats": ["json"]})
    config["checks"] = {"include": list(probe_and_review)}
    path = write_yaml(tmp_path / "a.yaml", config)
    result = CliRunner().invoke(
        app, ["scan", "-c", str(path), "-o", str(tmp_path / "r.json"), "-q"]
    )
    report = json.loads((tmp_path / "r.json").read_text())
    findings = [f for f in report["findings"] if f["check"] == probe_and_review[1]]
    assert len(findings) == 1, (result.output, report["findings"], report.get("inconclusive"))
    assert "$ALICE_PASSWORD" in findings[0]["description"]
    assert "review-marker" in json.dumps(findings[0]["evidence"])
