"""The runner's safety nets: a crashing check, a spent budget, and Ctrl-C."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from authsift.checks import base as checks_base
from authsift.checks.base import Check, Context
from authsift.cli import app
from authsift.config import parse_config
from authsift.engine.scan import ScanOptions, run_scan
from authsift.model import Family, Finding, Outcome, Severity
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


@pytest.mark.usefixtures("toy_env")
def test_ctrl_c_writes_partial_reports(tmp_path: Path, toy_server: Any) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    url, _ = toy_server(ToyOptions())
    spec = str(write_spec(tmp_path / "s.json"))
    config = toy_config(url, spec, report={"formats": ["json", "html"]}, limits={"rate": 4})
    path = write_yaml(tmp_path / "a.yaml", config)
    scan = subprocess.Popen(
        [sys.executable, "-m", "authsift", "scan", "-qc", str(path), "-o", str(tmp_path / "out")],
        env={**os.environ, **PASSWORD_ENV},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    time.sleep(4)  # logins and preflight take about 2.5 s at 4 req/s
    scan.send_signal(signal.SIGINT)
    output, _ = scan.communicate(timeout=30)
    assert scan.returncode in (0, 1), output.decode()
    assert b"Traceback" not in output
    report = json.loads((tmp_path / "out" / "authsift.json").read_text())
    assert report["partial"] is True and report["partial_reason"] == "interrupted"
    assert (tmp_path / "out" / "authsift.html").is_file()
