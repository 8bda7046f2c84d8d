"""Run one check through the real pipeline against a real server and read the JSON report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from authsift.cli import app
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
