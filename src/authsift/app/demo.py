"""`authsift demo`: a real scan of the built-in lab, the first thing a new user runs.

The lab starts on a free loopback port, the bundled `lab/authsift.yaml` is pointed at it, the
scan runs exactly as a user's would, and the reports land in `authsift-demo/` (a previous demo's
reports move to `authsift-demo/previous/`, as a scan's do). `--hardened` scans the twin that does
everything right, which must come back clean.

Exit code: the demo exits 0 although the lab has findings — finding them is the demo's success —
and says so, with the code a real scan with those findings would return. The hardened twin
exits 1 when it has findings: those are false positives.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from rich.console import Console

from authsift.app.workflow import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    JobOutcome,
    ScanJob,
    execute,
    print_error,
)
from authsift.config import Config, ConfigError, load_config
from authsift.lab.apikeys import demo_environment
from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread

DEMO_FORMATS = ["console", "html", "json", "sarif"]


def lab_config_path() -> Path:
    return Path(str(resources.files("authsift.lab").joinpath("authsift.yaml")))


def lab_config(
    settings: LabSettings, target: str, overrides: Mapping[str, object] | None = None
) -> Config:
    """The bundled lab config pointed at a running lab: its API keys depend on the lab's settings
    (`apikey-low-entropy` changes their format), so they come from the lab, not the file."""
    env = {**os.environ, **demo_environment(settings)}
    return load_config(lab_config_path(), env=env).override({"target": target, **(overrides or {})})


def scan_lab(
    settings: LabSettings,
    *,
    output: Path,
    out: Console,
    err: Console,
    formats: list[str] | None = None,
    quiet: bool = False,
    overrides: dict[str, object] | None = None,
) -> JobOutcome:
    """Start the lab with `settings`, scan it with the bundled config, stop it."""
    for noisy in ("authsift.lab", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.ERROR)  # the target's own logs are not the report
    with run_in_thread(settings) as base_url:
        try:
            config = lab_config(
                settings,
                base_url,
                {
                    "report.dir": str(output),
                    "report.formats": formats or DEMO_FORMATS,
                    **(overrides or {}),
                },
            )
        except ConfigError as exc:
            print_error(err, f"bundled lab config: {exc}")
            return JobOutcome(2, error=str(exc))
        if not quiet:
            out.print(f"[bold]authsift demo[/]: scanning the lab at {base_url}")
        job = ScanJob(
            config=config,
            config_dir=lab_config_path().parent,
            output=output,
            quiet=quiet,
            progress=err.is_terminal and not quiet,
        )
        return execute(job, out, err)


def run_demo(*, hardened: bool, output: Path, out: Console, err: Console) -> int:
    settings = LabSettings.hardened_twin() if hardened else LabSettings.vulnerable()
    twin = "hardened twin" if hardened else "vulnerable lab (every flaw on)"
    out.print(f"[bold]authsift demo[/]: the {twin}")
    outcome = scan_lab(settings, output=output, out=out, err=err)
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
    out.print(f"demo reports in {output}/ — open {output}/authsift.html", soft_wrap=True)
    if outcome.exit_code == EXIT_FINDINGS:
        out.print(
            f"exit code 0: this is a demo. A real scan with these findings would exit 1 "
            f"(fail_on: {outcome.fail_on}).",
            soft_wrap=True,
        )
    return EXIT_CLEAN
