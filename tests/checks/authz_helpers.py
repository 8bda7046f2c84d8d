"""Shared by the authz check tests: scan a running lab with the bundled config, talk to the lab.

`scan_lab_report(url, settings, checks, ...)` runs the real pipeline (config → preflight → plan →
checks → JSON report) against a lab already started with `run_in_thread`, including only the
checks under test, and returns the parsed JSON report. `LabClient` logs a lab user in and sends
plain requests with urllib, so tests can read the lab's state after a scan (no leftovers).
Append helpers at the end; do not change the signatures of existing ones.
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rich.console import Console

from authsift.app.demo import lab_config, lab_config_path
from authsift.app.workflow import ScanJob, execute
from authsift.lab.flaws import LabSettings
from authsift.model import Outcome, ScanResult

LAB_PASSWORDS = {"alice": "alice-lab-pass-1", "bob": "bob-lab-pass-2", "carol": "carol-lab-pass-3"}


def scan_lab_report(
    url: str,
    settings: LabSettings,
    checks: Iterable[str],
    *,
    intrusive: bool = False,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Scan the lab at `url` (started with `settings`) with only `checks`; the JSON report."""
    report, _ = scan_lab_result(url, settings, checks, intrusive=intrusive, overrides=overrides)
    return report


def scan_lab_result(
    url: str,
    settings: LabSettings,
    checks: Iterable[str],
    *,
    intrusive: bool = False,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], ScanResult]:
    """`scan_lab_report`, and the scan's result (every task's outcome, for `passed_on`)."""
    changes: dict[str, Any] = {
        "checks.include": list(checks),
        "checks.intrusive": intrusive,
        "report.formats": ["json"],
        **(overrides or {}),
    }
    with tempfile.TemporaryDirectory(prefix="authsift-authz-") as tmp:
        # report.dir also holds the scan's finding journal: keep it out of the working tree
        config = lab_config(settings, url, {**changes, "report.dir": tmp})
        out = Path(tmp) / "report.json"
        job = ScanJob(
            config=config,
            config_dir=lab_config_path().parent,
            output=out,
            quiet=True,
            progress=False,
        )
        quiet = Console(file=open(os.devnull, "w"), force_terminal=False)  # noqa: SIM115
        try:
            outcome = execute(job, quiet, quiet)
        finally:
            quiet.file.close()
        assert outcome.exit_code in (0, 1), outcome.error
        assert outcome.result is not None
        report: dict[str, Any] = json.loads(out.read_text())
    return report, outcome.result


def findings_of(report: Mapping[str, Any], check_id: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["check"] == check_id]


def fired_on(report: Mapping[str, Any], check_id: str) -> set[str]:
    """ "METHOD /path" (or "*" for API-wide) of every finding of `check_id`."""
    return {
        f"{f['operation']['method']} {f['operation']['path']}" if f["operation"] else "*"
        for f in findings_of(report, check_id)
    }


class LabClient:
    """A lab user logged in through `POST /auth/login`; `call` returns (status, parsed body)."""

    def __init__(self, url: str, username: str) -> None:
        self.url = url.rstrip("/")
        status, body = self.call(
            "POST",
            "/auth/login",
            {"username": username, "password": LAB_PASSWORDS[username]},
            token=None,
        )
        assert status == 200, (status, body)
        self.token: str | None = str(body["access_token"])

    def call(
        self, method: str, path: str, payload: Any = None, *, token: str | bool | None = True
    ) -> tuple[int, Any]:
        bearer = self.token if token is True else (token or None)
        headers = {"Accept": "application/json"}
        data = None
        if payload is not None:
            data = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        if isinstance(bearer, str):
            headers["Authorization"] = f"Bearer {bearer}"
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=5) as reply:
                raw = reply.read()
                status = reply.status
        except urllib.error.HTTPError as error:
            raw = error.read()
            status = error.code
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode("utf-8", "replace")


def passed_on(result: ScanResult, check_id: str) -> set[str]:
    """Operation keys where `check_id` ran and passed: it decided "not vulnerable", which a
    silent check that went inconclusive everywhere never does. Tasks that passed without a
    request of their own count too: checks share baselines, inventories and matrices."""
    return {
        t.operation.key if t.operation else "*"
        for t in result.tasks
        if t.check_id == check_id and t.outcome is Outcome.PASSED
    }


def outcomes_of(result: ScanResult, check_id: str) -> dict[str, str]:
    """operation key → "outcome: reason" of each task of the check (for failure messages)."""
    return {
        (t.operation.key if t.operation else "*"): f"{t.outcome.value}: {t.reason}"
        for t in result.tasks
        if t.check_id == check_id and t.outcome is not Outcome.SKIPPED
    }
