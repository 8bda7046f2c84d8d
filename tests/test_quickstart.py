"""Issue 14 §7, a first run without reading the source: `init` from a spec URL, what `authsift
lab` tells a newcomer, and where a scan's files go (no empty directory, no report overwritten
unseen)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from authsift.app.quickstart import lab_guide, target_from_spec_url
from authsift.app.workflow import JOURNAL_NAME, keep_previous
from authsift.cli import app
from authsift.config.starter import STARTER_IDENTITIES
from authsift.lab.flaws import LabSettings
from authsift.lab.users import DEFAULT_USERS
from tests.apps.toy_api import ToyOptions, toy_config
from tests.conftest import write_spec, write_yaml

runner = CliRunner()


@pytest.mark.parametrize(
    ("servers", "suffix", "note"),
    [
        ([], "", "from the spec URL"),
        (["/api/v1"], "/api/v1", "server /api/v1"),
        (["https://prod.example.com/api"], "", "pass --target"),
    ],
)
def test_init_reads_a_spec_url_and_takes_the_target_from_it(
    tmp_path: Path, toy_server: Any, servers: list[str], suffix: str, note: str
) -> None:
    """The spec URL's origin, plus its first server's path when that server is relative; a
    server on another origin (production, named by a staging spec) is never taken."""
    url, _ = toy_server(ToyOptions(spec_servers=servers))
    out = tmp_path / "authsift.yaml"
    result = runner.invoke(app, ["init", "--spec", f"{url}/openapi.json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert note in " ".join(result.output.split())
    config = yaml.safe_load(out.read_text())
    assert config["target"] == url + suffix
    assert config["spec"] == f"{url}/openapi.json"  # a URL, not a mangled `http:/…` path


def test_init_spec_errors_are_one_line(tmp_path: Path) -> None:
    for spec in ("http://127.0.0.1:9/openapi.json", str(tmp_path / "missing.json")):
        result = runner.invoke(app, ["init", "--spec", spec, "-o", str(tmp_path / "a.yaml")])
        assert result.exit_code == 2, result.output
        assert result.output.startswith("error: ") and len(result.output.splitlines()) == 1


def test_target_from_spec_url_joins_relative_servers_to_the_spec_location() -> None:
    spec = "http://127.0.0.1:8000/docs/openapi.json"
    assert target_from_spec_url(spec, ("/",))[0] == "http://127.0.0.1:8000"
    assert target_from_spec_url(spec, ("v2/",))[0] == "http://127.0.0.1:8000/docs/v2"
    assert target_from_spec_url(spec, ("http://127.0.0.1:8000/x",))[0] == "http://127.0.0.1:8000/x"
    assert target_from_spec_url(spec, ("//elsewhere/api",))[0] == "http://127.0.0.1:8000"


def test_lab_prints_its_accounts_and_a_quickstart_init_agrees_with() -> None:
    """`authsift lab` as a user starts it: a real process, stopped once it has said hello."""
    process = subprocess.Popen(
        [sys.executable, "-m", "authsift", "lab", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if "authsift demo" in line:
                break
    finally:
        process.terminate()
        process.wait(10)
    text = "\n".join(lines)
    assert "Lab-only credentials" in text
    for user in DEFAULT_USERS:
        assert f"{user.username}" in text and user.password in text and user.role in text
    base = lines[0].split(" on ", 1)[1].split()[0]
    assert f"authsift init --spec {base}/openapi.json" in text
    by_name = {user.username: user for user in DEFAULT_USERS}
    for name, role in STARTER_IDENTITIES:  # the names init writes are the lab's accounts
        assert by_name[name].role == role
        assert f"{name.upper()}_PASSWORD={by_name[name].password}" in text


def test_lab_on_a_busy_port_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["lab", "--port", str(port)])
    assert result.exit_code == 2
    assert result.output.startswith("error: cannot listen on 127.0.0.1:")
    assert len(result.output.splitlines()) == 1 and "Traceback" not in result.output


def test_lab_guide_names_the_hardened_twin() -> None:
    first = next(iter(lab_guide(LabSettings.hardened_twin(), "http://127.0.0.1:1")))
    assert "hardened" in first


def _finding_scan(tmp_path: Path, url: str, *args: str) -> Any:
    config = toy_config(url, str(write_spec(tmp_path / "s.json")))
    config["checks"] = {"include": ["authz-invalid-credential-accepted"]}
    path = write_yaml(tmp_path / "a.yaml", config)
    return runner.invoke(app, ["scan", "-c", str(path), *args])


@pytest.mark.usefixtures("toy_env")
def test_output_file_leaves_no_report_directory_and_no_journal(
    tmp_path: Path, toy_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = toy_server(ToyOptions(fail_open=True))  # a finding: the journal is written
    monkeypatch.chdir(tmp_path)
    result = _finding_scan(tmp_path, url, "--format", "json", "-o", "out/r.json")
    assert result.exit_code == 1, result.output
    assert json.loads((tmp_path / "out" / "r.json").read_text())["findings"]
    assert not (tmp_path / "authsift-report").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["r.json"]
    console_only = _finding_scan(tmp_path, url, "--format", "console")
    assert console_only.exit_code == 1 and not (tmp_path / "authsift-report").exists()


@pytest.mark.usefixtures("toy_env")
def test_a_second_scan_moves_the_first_ones_reports_to_previous(
    tmp_path: Path, toy_server: Any
) -> None:
    url, _ = toy_server(ToyOptions(fail_open=True))
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "notes.txt").write_text("mine")
    first = _finding_scan(tmp_path, url, "-o", str(reports))
    assert first.exit_code == 1 and "previous reports" not in first.output
    report = json.loads((reports / "authsift.json").read_text())
    (reports / "authsift.json").write_text(json.dumps({**report, "run": "first"}))
    second = _finding_scan(tmp_path, url, "-o", str(reports))
    assert second.exit_code == 1
    assert f"previous reports moved to {reports / 'previous'}/" in second.output
    assert json.loads((reports / "previous" / "authsift.json").read_text())["run"] == "first"
    assert "run" not in json.loads((reports / "authsift.json").read_text())
    assert (reports / "previous" / "authsift.sarif").is_file()
    assert (reports / "notes.txt").read_text() == "mine"  # only authsift's files move
    assert not (reports / JOURNAL_NAME).exists()


def test_keep_previous_keeps_one_generation(tmp_path: Path) -> None:
    assert keep_previous(tmp_path) is None  # nothing to keep: nothing made
    assert not (tmp_path / "previous").exists()
    (tmp_path / "previous").mkdir()
    (tmp_path / "previous" / "authsift.html").write_text("two runs ago")
    (tmp_path / "authsift.json").write_text("{}")
    assert keep_previous(tmp_path) == tmp_path / "previous"
    assert sorted(p.name for p in (tmp_path / "previous").iterdir()) == ["authsift.json"]
    assert not (tmp_path / "authsift.json").exists()
