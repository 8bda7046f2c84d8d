"""A scan as the user experiences it: progress, the finding journal, triage, reports, exit code.

The CLI parses flags into a `ScanJob` and calls `execute`; the demo does the same with the lab's
bundled config. Exit codes: 0 clean · 1 findings at or above fail_on · 2 setup/auth/spec error.

Where things go: several formats go to a report directory (`--output DIR` or `report.dir`), whose
previous reports are first moved to `DIR/previous/` (`keep_previous` says why); one format with
`--output FILE` goes to that file. The finding journal lives beside the reports while the scan
runs and is removed once they are written; no directory is left behind that holds nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from authsift.reports import FILE_NAMES, write_reports
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
PREVIOUS_DIR = "previous"


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
    fail_on: str = ""  # the threshold the exit code was decided with
    previous: Path | None = None  # where the previous run's reports were moved, if any


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
    journal = _journal_path(report_dir, report_file, config)
    journal_dir_existed = journal.parent.is_dir()
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
    previous: Path | None = None
    try:
        if formats and report_dir is not None:
            previous = keep_previous(report_dir)
        written = (
            write_reports(result, formats, out_dir=report_dir, out_file=report_file)
            if formats
            else []
        )
    except OSError as exc:  # the journal stays: the findings are not lost
        return _fail(err, f"cannot write the reports: {exc}; findings so far are in {journal}")
    _remove_journal(journal, remove_dir=not journal_dir_existed)
    if not job.quiet:
        render_console(result, out, verbose=job.verbose)
        if previous is not None:
            out.print(f"previous reports moved to {previous}/", soft_wrap=True)
        for path in written:
            out.print(f"report: {path}", soft_wrap=True)
    threshold = config.fail_on_severity
    failing = threshold is not None and any(f.severity >= threshold for f in result.findings)
    code = EXIT_FINDINGS if failing else EXIT_CLEAN
    return JobOutcome(code, result, written, fail_on=str(config.fail_on), previous=previous)


def _destinations(job: ScanJob, formats: list[str]) -> tuple[Path | None, Path | None]:
    """DESIGN §5: one format with --output FILE writes that file; several go to a directory."""
    if job.output is not None and len(formats) == 1 and job.output.suffix:
        return None, job.output
    return (job.output or Path(job.config.report.dir)), None


def keep_previous(report_dir: Path) -> Path | None:
    """Move the reports a previous run left in `report_dir` to `report_dir/previous/`.

    A second scan must not silently overwrite the first one's reports, and the choice among the
    ways to prevent it follows from how reports are used:
    - the newest reports stay at their fixed paths (`authsift-report/authsift.sarif`): CI uploads,
      editors and scripts read them there, so a timestamped directory per run would break them;
    - the previous run stays at hand, at a fixed path too, for the question a user asks after a
      fix: what changed? (`--baseline authsift-report/previous/authsift.json`);
    - refusing to run without an `--overwrite` flag would fail every re-run in CI.
    One generation is kept, so the directory does not grow without bound (history is the job of
    CI artifacts, or of `--output DIR` per run). Only the files authsift writes are moved, all of
    them, so no stale report of an earlier format sits beside the new ones; anything else in the
    directory is left alone. Returns the `previous/` directory when something was moved.
    """
    existing = [report_dir / name for name in FILE_NAMES.values() if (report_dir / name).is_file()]
    if not existing:
        return None
    previous = report_dir / PREVIOUS_DIR
    previous.mkdir(exist_ok=True)
    for name in FILE_NAMES.values():  # an older generation's files go: one generation is kept
        (previous / name).unlink(missing_ok=True)
    for path in existing:
        path.replace(previous / path.name)
    return previous


def _journal_path(report_dir: Path | None, report_file: Path | None, config: Config) -> Path:
    """Beside the reports: in the report directory, or next to the one report file."""
    if report_file is not None:
        return report_file.with_name(report_file.name + ".partial.jsonl")
    return (report_dir or Path(config.report.dir)) / JOURNAL_NAME


def _remove_journal(journal: Path, *, remove_dir: bool) -> None:
    """The reports are written: the journal goes, and so does its directory when the scan made
    it for the journal alone (a console-only scan leaves no empty `authsift-report/`)."""
    journal.unlink(missing_ok=True)
    if remove_dir:
        with contextlib.suppress(OSError):  # not empty: it holds reports, keep it
            journal.parent.rmdir()


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
