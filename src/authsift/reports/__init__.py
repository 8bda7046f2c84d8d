"""Reporters: each renders a finished `ScanResult` to one format, and nothing else.

They get a plain result, never the engine (aesthetics.md principle 11), so a report can be
re-rendered from data and a reporter can never send a request. The registry is an explicit dict:
there are few formats and they rarely change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from authsift.model import ScanResult
from authsift.reports import console, html, json_report, junit, sarif
from authsift.reports.console import render_console
from authsift.reports.json_report import ReportLoadError, load_json_report, report_schema

__all__ = [
    "FILE_NAMES",
    "REPORTERS",
    "ReportLoadError",
    "Reporter",
    "load_json_report",
    "render_console",
    "report_schema",
    "write_reports",
]


@dataclass(frozen=True, slots=True)
class Reporter:
    name: str
    render: Callable[[ScanResult, TextIO], None]
    media_type: str


REPORTERS: dict[str, Reporter] = {
    "console": Reporter("console", console.render, "text/plain"),
    "json": Reporter("json", json_report.render, "application/json"),
    "sarif": Reporter("sarif", sarif.render, "application/sarif+json"),
    "junit": Reporter("junit", junit.render, "application/xml"),
    "html": Reporter("html", html.render, "text/html"),
}

FILE_NAMES: dict[str, str] = {
    "json": "authsift.json",
    "sarif": "authsift.sarif",
    "junit": "authsift-junit.xml",
    "html": "authsift.html",
}


def write_reports(
    result: ScanResult,
    formats: list[str],
    *,
    out_dir: Path | None,
    out_file: Path | None,
) -> list[Path]:
    """Write the file formats and return the paths written, in the order asked.

    `console` is skipped here: the CLI prints it to the terminal with `render_console`. One file
    format may go to `out_file`; several go to `out_dir` under `FILE_NAMES` (DESIGN.md §5:
    `--format json --output FILE` writes that one format to FILE). Unknown formats raise
    `ValueError` before anything is written, so a typo never leaves half a report set.
    """
    unknown = [name for name in formats if name not in REPORTERS]
    if unknown:
        known = ", ".join(REPORTERS)
        raise ValueError(f"unknown report format {unknown[0]!r}: expected one of {known}")
    file_formats = list(dict.fromkeys(name for name in formats if name in FILE_NAMES))
    if not file_formats:
        return []
    targets: list[tuple[str, Path]]
    if out_file is not None:
        if len(file_formats) > 1:
            raise ValueError(
                f"one output file cannot hold {len(file_formats)} formats "
                f"({', '.join(file_formats)}); give a directory instead"
            )
        targets = [(file_formats[0], out_file)]
    elif out_dir is not None:
        targets = [(name, out_dir / FILE_NAMES[name]) for name in file_formats]
    else:
        raise ValueError("write_reports needs out_dir or out_file")

    written: list[Path] = []
    for name, path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".part")
        with temporary.open("w", encoding="utf-8", newline="\n") as handle:
            REPORTERS[name].render(result, handle)
        # a report is either the old one or the complete new one, never half written
        temporary.replace(path)
        written.append(path)
    return written
