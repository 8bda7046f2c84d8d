"""The terminal summary: what a person reads first, so it answers the questions in order.

Was the scan complete? Did it really run logged in (users' top complaint about scanners is a
scan that silently ran anonymous)? Which of the five mistakes were found, how bad? Then one panel
per finding with just enough evidence to believe it and the curl line to reproduce it. Every
string from the result goes through `Text`, never through markup, so a response body containing
`[bold]` cannot restyle the output.
"""

from __future__ import annotations

from typing import TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from authsift.model import Finding, ScanResult, Severity
from authsift.reports.common import (
    SEVERITIES_WORST_FIRST,
    actor_label,
    family_heading,
    family_severity_counts,
    identity_lines,
    operation_label,
    render_evidence,
    similarity_text,
    sort_findings,
)
from authsift.reports.coverage import Coverage, coverage

SEVERITY_STYLES: dict[Severity, str] = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}

BORDER_STYLES: dict[Severity, str] = {
    Severity.CRITICAL: "red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}

WIDTH = 100


def render(result: ScanResult, out: TextIO) -> None:
    """Plain-text rendering for files and pipes: no colour, 100 columns."""
    console = Console(file=out, width=WIDTH, no_color=True, highlight=False, emoji=False)
    render_console(result, console)


def render_console(result: ScanResult, console: Console, *, verbose: bool = False) -> None:
    """Print the summary, then each finding; `verbose` adds evidence bodies and accepted risks."""
    if result.partial:
        console.print(_partial_banner(result))
    console.print(_header(result))
    console.print(_identities(result))
    console.print(_summary_table(result))
    gaps = _coverage_gaps(result)
    if gaps is not None:
        console.print(gaps)
    for note in result.extras.get("hygiene") or []:
        console.print(Text(f"hygiene: {note.get('remark', '')}", style="dim"))
    discovery = result.extras.get("discovery")
    if isinstance(discovery, dict) and discovery.get("found"):
        found = [f"GET {f.get('path')}" for f in discovery["found"] if isinstance(f, dict)]
        shown = ", ".join(found[:6]) + (f" and {len(found) - 6} more" if len(found) > 6 else "")
        console.print(
            Text(
                f"discovery: {len(found)} endpoint(s) missing from the spec answer: {shown} "
                f"({discovery.get('requests')} requests, estimate "
                f"{discovery.get('estimated_requests')})",
                style="dim",
            )
        )
    for finding in sort_findings(result.findings):
        console.print(_finding_panel(finding, verbose=verbose))
        _print_reproduce(console, finding)
    if verbose:
        for suppressed in result.suppressed:
            reason = f"accepted: {suppressed.reason}"
            if suppressed.expires:
                reason += f" (until {suppressed.expires})"
            console.print(_finding_panel(suppressed.finding, verbose=False, accepted=reason))
            _print_reproduce(console, suppressed.finding)
    console.print(_footer(result))


def _partial_banner(result: ScanResult) -> Panel:
    reason = result.partial_reason or "the scan was cut short"
    text = Text.assemble(
        ("PARTIAL SCAN", "bold"),
        f": {reason}. Tasks that did not run are listed as not run, never as passed.",
    )
    return Panel(text, style="bold yellow", box=box.HEAVY)


def _header(result: ScanResult) -> Text:
    stats = result.stats
    text = Text()
    text.append("authsift ", style="bold")
    text.append(result.tool_version)
    text.append(" · ")
    text.append(result.target, style="bold")
    text.append(
        f"\n{stats.requests} requests · {stats.operations} operations · "
        f"{stats.checks_run} checks · {stats.tasks} tasks · {stats.duration:.1f} s"
    )
    if result.baseline_source:
        text.append(f"\nonly findings new since the baseline {result.baseline_source}")
    return text


def _identities(result: ScanResult) -> Text:
    """Per identity: requests sent with its credentials and the share answered as logged in."""
    text = Text("Identities", style="bold")
    lines = identity_lines(result.identities)
    if not lines:
        text.append(": none, the scan ran anonymously", style="yellow")
        return text
    for line in lines:
        text.append("\n  ")
        text.append(line.name, style="bold")
        text.append(
            f" ({line.role}, {line.auth_type}): {line.requests} requests sent authenticated"
        )
        share = line.authenticated_share
        if share is not None:
            style = "green" if line.logged_in and share >= 0.5 else "red"
            text.append(", ")
            text.append(f"{line.share_text} answered as logged in", style=style)
        if not line.logged_in:
            text.append(" — NOT LOGGED IN", style="bold red")
    return text


def _summary_table(result: ScanResult) -> Table:
    table = Table(title="Findings by mistake", box=box.SIMPLE_HEAVY, title_justify="left")
    table.add_column("Mistake", overflow="fold")  # wraps on narrow terminals; numbers never do
    for severity in SEVERITIES_WORST_FIRST:
        table.add_column(
            severity.value,
            justify="right",
            style=SEVERITY_STYLES[severity],
            no_wrap=True,
            min_width=len(severity.value),
        )
    table.add_column("total", justify="right", style="bold", no_wrap=True, min_width=5)
    totals = dict.fromkeys(SEVERITIES_WORST_FIRST, 0)
    covered = {c.family: c for c in coverage(result)}
    for family, counts in family_severity_counts(result.findings):
        for severity, count in counts.items():
            totals[severity] += count
        heading = Text(family_heading(family))
        status = covered[family].status
        # never a bare 0 for what was not tested (issue 14 §2); the reasons follow the table
        if status is Coverage.NOT_TESTED and not sum(counts.values()):
            cells = ["–"] * len(SEVERITIES_WORST_FIRST)
            table.add_row(heading, *cells, Text("not tested", style="yellow"))
            continue
        if status is not Coverage.TESTED:
            heading.append(" (partly tested)", style="yellow")
        cells = [str(counts[s]) if counts[s] else "·" for s in SEVERITIES_WORST_FIRST]
        table.add_row(heading, *cells, str(sum(counts.values())))
    table.add_section()
    table.add_row(
        "All", *(str(totals[s]) for s in SEVERITIES_WORST_FIRST), str(sum(totals.values()))
    )
    return table


def _coverage_gaps(result: ScanResult) -> Text | None:
    """Under the summary table: what was not tested, and why, one line per family."""
    gaps = [c for c in coverage(result) if c.status is not Coverage.TESTED]
    if not gaps:
        return None
    text = Text("Not tested (a 0 above is not a clean result for these)", style="bold yellow")
    for gap in gaps:
        text.append(f"\n  {family_heading(gap.family)}: ", style="bold")
        text.append(gap.reason)
    return text


def _finding_panel(finding: Finding, *, verbose: bool, accepted: str | None = None) -> Panel:
    severity_style = SEVERITY_STYLES[finding.severity]
    # The border holds only the severity: a title there is cut with "…" on a narrow terminal,
    # while the first line of the body wraps and is read whole.
    badge = Text(f" {finding.severity.value.upper()} ", style=severity_style)
    lines: list[RenderableType] = [Text(finding.title, style="bold")]
    meta = Text()
    meta.append(operation_label(finding), style="bold")
    meta.append(f"  ·  {actor_label(finding)}")
    meta.append(f"  ·  {finding.check_id}  ·  confidence {finding.confidence.value}")
    lines.append(meta)
    if accepted:
        lines.append(Text(accepted, style="italic"))
    if finding.description:
        lines.append(Text(finding.description))
    for evidence in (render_evidence(e) for e in finding.evidence):
        line = Text("  ")
        line.append(evidence.status_line, style="dim" if verbose else "")
        lines.append(line)
        if verbose and evidence.response is not None and evidence.response.body:
            lines.append(Text(_indent(evidence.response.body, 4), style="dim"))
    similarity = similarity_text(finding)
    if similarity is not None:
        lines.append(Text(f"  similarity {similarity}"))
    if verbose and finding.remediation:
        lines.append(Text.assemble(("Fix: ", "bold"), finding.remediation))
    subtitle = Text(finding.fingerprint, style="dim")
    return Panel(
        Group(*lines),
        title=badge,
        title_align="left",
        subtitle=subtitle,
        subtitle_align="right",
        border_style="dim" if accepted else BORDER_STYLES[finding.severity],
    )


def _print_reproduce(console: Console, finding: Finding) -> None:
    """The curl line below the panel, never wrapped, cropped or boxed: selected in a terminal
    (which soft-wraps it on screen) or read from a file, it pastes as one valid command line."""
    if not finding.reproduce:
        return
    console.print(Text("Reproduce:", style="bold"))
    console.print(
        Text(finding.reproduce, style="green"), soft_wrap=True, overflow="ignore", crop=False
    )


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in text.splitlines())


def _footer(result: ScanResult) -> Text:
    text = Text()
    parts = [
        (len(result.findings), "finding", "findings", "bold"),
        (len(result.suppressed), "accepted (suppressed)", "accepted (suppressed)", ""),
        (len(result.inconclusive), "inconclusive", "inconclusive", "yellow"),
        (len(result.errors), "error", "errors", "red"),
        (len(result.not_run), "not run", "not run", "yellow"),
    ]
    for index, (count, singular, plural, style) in enumerate(parts):
        if index:
            text.append(" · ")
        text.append(f"{count} {singular if count == 1 else plural}", style=style if count else "")
    if result.not_run:
        reasons = sorted({t.reason for t in result.not_run if t.reason})
        if reasons:
            text.append(f"\nnot run: {'; '.join(reasons)}")
    if result.partial:
        text.append("\nPARTIAL: this report does not cover the whole plan.", style="bold yellow")
    return text
