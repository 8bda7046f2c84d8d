"""A scan as the user experiences it: progress, the finding journal, triage, reports, exit code.

The CLI parses flags into a `ScanJob` and calls `execute`; the demo does the same with the lab's
bundled config. Exit codes: 0 clean · 1 findings at or above fail_on · 2 setup/auth/spec error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from authsift.config import Config
from authsift.engine.events import Event, FindingMade, ScanStarted, TaskFinished
from authsift.engine.scan import ScanOptions, SetupError, run_scan
from authsift.model import ScanResult, Severity
from authsift.reports import write_reports
from authsift.reports.console import render_console
from authsift.reports.json_report import finding_dict
from authsift.reports.triage import (
    Suppression,
    TriageError,
    apply_suppressions,
    expired_suppressions,
    load_baseline_fingerprints,
    load_suppressions,
    only_new,
)

log = logging.getLogger(__name__)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_SETUP = 0, 1, 2
JOURNAL_NAME = "authsift-findings.partial.jsonl"


@dataclass(slots=True)
class ScanJob:
    config: Config
    config_dir: Path = field(default_factory=Path.cwd)
    output: Path | None = None
    baseline: Path | None = None
    ignore: Path | None = None
    har: Path | None = None
    quiet: bool = False
    verbose: bool = False
    progress: bool = True


@dataclass(slots=True)
class JobOutcome:
    exit_code: int
    result: ScanResult | None = None
    written: list[Path] = field(default_factory=list)
    error: str = ""


def execute(job: ScanJob, out: Console, err: Console) -> JobOutcome:
    config = job.config
    formats: list[str] = [str(f) for f in config.report.formats if f != "console"]
    report_dir, report_file = _destinations(job, formats)
    try:
        suppressions = (
            load_suppressions(job.ignore) if job.ignore else _default_suppressions(job.config_dir)
        )
        baseline = load_baseline_fingerprints(job.baseline) if job.baseline else None
    except TriageError as exc:
        return _fail(err, str(exc))
    journal = (report_dir or Path(config.report.dir)) / JOURNAL_NAME
    progress = _progress(err, enabled=job.progress and not job.quiet)
    listener = _Listener(progress, journal)
    options = ScanOptions(config=config, config_dir=job.config_dir, har=job.har, listener=listener)
    try:
        with progress:
            result = asyncio.run(run_scan(options))
    except SetupError as exc:
        return _fail(err, str(exc))
    except KeyboardInterrupt:  # Ctrl-C during logins or preflight: nothing was scanned yet
        return _fail(err, "interrupted before the first check ran; no report written")
    except OSError as exc:
        return _fail(err, f"cannot reach {config.target}: {exc}")

    today = dt.datetime.now(dt.UTC).date()
    for expired in expired_suppressions(suppressions, today):
        err.print(
            f"[yellow]suppression expired, finding counts again:[/] "
            f"{expired.label} ({expired.reason})"
        )
    result.findings, result.suppressed = apply_suppressions(result.findings, suppressions, today)
    if baseline is not None:
        result.baseline_source = str(job.baseline)
        result.findings = only_new(result.findings, baseline)
    written = (
        write_reports(result, formats, out_dir=report_dir, out_file=report_file) if formats else []
    )
    journal.unlink(missing_ok=True)
    if not job.quiet:
        render_console(result, out, verbose=job.verbose)
        for path in written:
            out.print(f"report: {path}")
    threshold = config.fail_on_severity
    failing = threshold is not None and any(f.severity >= threshold for f in result.findings)
    return JobOutcome(EXIT_FINDINGS if failing else EXIT_CLEAN, result, written)


def _destinations(job: ScanJob, formats: list[str]) -> tuple[Path | None, Path | None]:
    """DESIGN §5: one format with --output FILE writes that file; several go to a directory."""
    if job.output is not None and len(formats) == 1 and job.output.suffix:
        return None, job.output
    return (job.output or Path(job.config.report.dir)), None


def _default_suppressions(config_dir: Path) -> list[Suppression]:
    candidate = config_dir / "authsift.ignore.yaml"
    return load_suppressions(candidate) if candidate.is_file() else []


def print_error(err: Console, message: str) -> None:
    """One line, never wrapped: scripts grep it and users read it whole."""
    err.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)


def _fail(err: Console, message: str) -> JobOutcome:
    print_error(err, message)
    return JobOutcome(EXIT_SETUP, error=message)


def _progress(err: Console, *, enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("tasks · {task.fields[requests]} requests · {task.fields[findings]} findings"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not enabled,
    )


class _Listener:
    """Feeds the progress bar and journals each finding the moment it is made, so that a crash
    or a kill mid-scan loses no finding already made."""

    def __init__(self, progress: Progress, journal: Path) -> None:
        self.progress = progress
        self.journal = journal
        self.task_id = progress.add_task("scan", total=None, requests=0, findings=0)
        self.findings = 0

    def __call__(self, event: Event) -> None:
        if isinstance(event, ScanStarted):
            self.progress.update(self.task_id, total=event.tasks)
        elif isinstance(event, TaskFinished):
            self.progress.update(self.task_id, advance=1, requests=event.requests_sent)
        elif isinstance(event, FindingMade):
            self.findings += 1
            self.progress.update(self.task_id, findings=self.findings)
            self.journal.parent.mkdir(parents=True, exist_ok=True)
            with self.journal.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(finding_dict(event.finding)) + "\n")


def severity_or_none(value: str | None) -> Severity | None:
    if value is None or value == "none":
        return None
    return Severity(value)
