"""`authsift demo`: a real scan of the built-in lab, the first thing a new user runs.

The lab starts on a free loopback port, the bundled `lab/authsift.yaml` is pointed at it, the
scan runs exactly as a user's would, and the reports land in `authsift-demo/`. `--hardened` scans
the twin that does everything right, which must come back clean.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from rich.console import Console

from authsift.config import ConfigError, load_config
from authsift.lab.apikeys import demo_environment
from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread
from authsift.workflow import EXIT_CLEAN, EXIT_FINDINGS, ScanJob, execute

DEMO_FORMATS = ["console", "html", "json", "sarif"]


def lab_config_path() -> Path:
    return Path(str(resources.files("authsift.lab").joinpath("authsift.yaml")))


def run_demo(*, hardened: bool, output: Path, out: Console, err: Console) -> int:
    settings = LabSettings.hardened_twin() if hardened else LabSettings.vulnerable()
    twin = "hardened twin" if hardened else "vulnerable lab (every flaw on)"
    with run_in_thread(settings) as base_url:
        out.print(f"[bold]authsift demo[/]: scanning the {twin} at {base_url}")
        try:
            env = {**os.environ, **demo_environment(settings)}
            config = load_config(lab_config_path(), env=env).override(
                {"target": base_url, "report.dir": str(output), "report.formats": DEMO_FORMATS}
            )
        except ConfigError as exc:
            err.print(f"[bold red]error:[/] bundled lab config: {exc}")
            return 2
        job = ScanJob(
            config=config,
            config_dir=lab_config_path().parent,
            output=output,
            progress=err.is_terminal,
        )
        outcome = execute(job, out, err)
    if outcome.exit_code not in (EXIT_CLEAN, EXIT_FINDINGS):
        return outcome.exit_code
    findings = len(outcome.result.findings) if outcome.result else 0
    if hardened:
        verdict = (
            "clean, as it should be"
            if findings == 0
            else f"{findings} finding(s) on the hardened twin: a false positive to fix"
        )
        out.print(f"hardened twin: {verdict}")
        return EXIT_CLEAN if findings == 0 else EXIT_FINDINGS
    out.print(f"demo reports in {output}/ — open {output}/authsift.html")
    return EXIT_CLEAN
