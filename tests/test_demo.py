"""`authsift demo`: the README's main job. The vulnerable lab yields findings; the hardened twin
yields none — the guard that keeps "hardened → zero findings" true as checks land."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from authsift.cli import app

runner = CliRunner()


def test_demo_on_the_hardened_twin_reports_nothing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--hardened", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "authsift.json").read_text())
    assert report["findings"] == [], [f["check"] for f in report["findings"]]
    assert report["tasks"]["passed"] > 0 and report["tasks"]["error"] == 0
    assert all(i["logged_in"] and i["succeeded"] > 0 for i in report["identities"])


def test_demo_on_the_vulnerable_lab_writes_reports_with_findings(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} >= {
        "authsift.html",
        "authsift.json",
        "authsift.sarif",
    }
    report = json.loads((tmp_path / "authsift.json").read_text())
    found = {f["check"] for f in report["findings"]}
    assert {"authz-unauthenticated-access", "authz-invalid-credential-accepted"} <= found
    assert report["tasks"]["error"] == 0
