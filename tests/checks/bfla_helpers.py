"""Scan the bundled lab through the real pipeline with a chosen set of checks (function-level
authorization tests): the lab config, the real engine, the real reports on disk."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from authsift.app.demo import lab_config_path
from authsift.app.workflow import ScanJob, execute
from authsift.config import load_config
from authsift.lab.apikeys import demo_environment
from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread
from authsift.model import ScanResult


@dataclass(frozen=True, slots=True)
class LabScan:
    result: ScanResult
    report: dict[str, Any]  # the JSON report as written
    output: Path

    def fired(self, check_id: str) -> list[str]:
        """Operation keys ("GET /x", or "*" for API-wide) of the check's findings."""
        return [
            f"{f['operation']['method']} {f['operation']['path']}" if f["operation"] else "*"
            for f in self.report["findings"]
            if f["check"] == check_id
        ]


@contextmanager
def lab(settings: LabSettings) -> Iterator[str]:
    with run_in_thread(settings) as url:
        yield url


def scan_lab_with(
    url: str,
    settings: LabSettings,
    output: Path,
    checks: list[str],
    overrides: Mapping[str, Any] | None = None,
    formats: tuple[str, ...] = ("json",),
    extra_identities: tuple[Mapping[str, Any], ...] = (),
) -> LabScan:
    env = {**os.environ, **demo_environment(settings)}
    raw = yaml.safe_load(lab_config_path().read_text(encoding="utf-8"))
    raw["identities"] = [*raw["identities"], *(dict(i) for i in extra_identities)]
    output.mkdir(parents=True, exist_ok=True)
    config_file = output / "authsift.yaml"
    config_file.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    config = load_config(config_file, env=env).override(
        {
            "target": url,
            "checks.include": checks,
            "report.formats": list(formats),
            "report.dir": str(output),
            **(overrides or {}),
        }
    )
    job = ScanJob(config=config, config_dir=lab_config_path().parent, output=output, progress=False)
    quiet = Console(quiet=True)
    outcome = execute(job, quiet, quiet)
    assert outcome.result is not None, outcome.error
    json_path = next(p for p in outcome.written if p.suffix == ".json")
    report: dict[str, Any] = json.loads(json_path.read_text())
    return LabScan(outcome.result, report, output)


def lab_get(url: str, path: str, username: str, password: str) -> Any:
    """GET `path` on the lab as a user signed in with `POST /auth/login` (to read its state)."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"lab tests only talk to 127.0.0.1, not {url}")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    login = urllib.request.Request(
        url + "/auth/login",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with opener.open(login, timeout=5) as reply:
        token = json.loads(reply.read())["access_token"]
    request = urllib.request.Request(url + path, headers={"Authorization": f"Bearer {token}"})
    with opener.open(request, timeout=5) as reply:
        return json.loads(reply.read())
