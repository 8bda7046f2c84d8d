"""Run one check through the real pipeline against a real server and read the JSON report."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from typer.testing import CliRunner

from authsift.app.workflow import ScanJob, execute
from authsift.cli import app
from authsift.config import load_config
from authsift.model import ScanResult
from tests.apps.toy_api import serve_in_thread
from tests.conftest import write_yaml


def scan_with(tmp_path: Path, config: dict[str, Any], check_id: str) -> dict[str, Any]:
    config = {**config, "checks": {"include": [check_id]}, "report": {"formats": ["json"]}}
    path = write_yaml(tmp_path / "authsift.yaml", config)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["scan", "-c", str(path), "-o", str(out), "--quiet"])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def fired(report: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(check, "METHOD /path" or None) of every finding."""
    return [
        (
            f["check"],
            f"{f['operation']['method']} {f['operation']['path']}" if f["operation"] else None,
        )
        for f in report["findings"]
    ]


def scan_app_in_process(
    app: Any,
    spec: dict[str, Any],
    config_for: Callable[[str, str], dict[str, Any]],
    env: Mapping[str, str],
    check_id: str,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[ScanResult, dict[str, Any]]:
    """Serve a small test app on 127.0.0.1 and scan it intrusively with one check, in process
    (the `ScanResult` too, for task outcomes the JSON report only counts).

    `config_for(url, spec_path)` builds the app's config; `overrides` replace top-level keys.
    """
    with serve_in_thread(app) as url, tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / "openapi.json"
        spec_path.write_text(json.dumps(spec))
        raw = config_for(url, str(spec_path))
        raw.update(
            {
                "checks": {"include": [check_id], "intrusive": True},
                "limits": {"rate": 500, "concurrency": 4},
                "report": {"formats": ["json"], "dir": tmp},
                **(overrides or {}),
            }
        )
        config_file = Path(tmp) / "authsift.yaml"
        config_file.write_text(yaml.safe_dump(raw), encoding="utf-8")
        config = load_config(config_file, env={**os.environ, **env})
        out = Path(tmp) / "report.json"
        job = ScanJob(config=config, config_dir=Path(tmp), output=out, quiet=True, progress=False)
        quiet = Console(quiet=True)
        outcome = execute(job, quiet, quiet)
        assert outcome.result is not None, outcome.error
        return outcome.result, json.loads(out.read_text())
