"""The terminal summary, as a person at a 100-column terminal sees it."""

from __future__ import annotations

import io

from rich.console import Console

from authsift.model import ScanResult
from authsift.reports.console import render, render_console


def recorded(result: ScanResult, *, verbose: bool = False) -> str:
    console = Console(record=True, width=100, file=io.StringIO(), color_system=None)
    render_console(result, console, verbose=verbose)
    return console.export_text()


def test_summary_table_by_mistake(scan_result: ScanResult) -> None:
    text = recorded(scan_result)
    assert "Findings by mistake" in text
    for heading in (
        "1 · API keys as the sole authentication",
        "3 · Missing or broken authorization",
        "5 · No rate limiting or abuse detection",
        "OAuth 2.0 / OpenID Connect misconfiguration",
        "Credential leakage and transport",
    ):
        assert heading in text
    all_row = next(line for line in text.splitlines() if line.strip().startswith("All"))
    assert all_row.split()[1:] == ["1", "2", "2", "1", "1", "7"]


def test_identities_show_the_scan_ran_logged_in(scan_result: ScanResult) -> None:
    text = recorded(scan_result)
    assert "alice (user, login): 180 requests sent authenticated, 98% answered as logged in" in text
    assert "ops (admin, api_key): 0 requests sent authenticated — NOT LOGGED IN" in text


def test_one_panel_per_finding_with_evidence_and_curl(scan_result: ScanResult) -> None:
    text = recorded(scan_result)
    for finding in scan_result.findings:
        assert finding.title in text
        assert finding.fingerprint in text
    assert "GET /users/{id}  ·  bob → alice  ·  authz-bola" in text
    assert "owner: GET http://127.0.0.1:8000/users/1 → 200 (72 B)" in text
    assert "intruder: GET http://127.0.0.1:8000/users/1 → 200 (72 B)" in text
    assert "similarity 0.97" in text
    assert "curl -H 'Authorization: Bearer $BOB_TOKEN' http://127.0.0.1:8000/users/1" in text
    assert "no response (timeout)" in text
    assert text.index("CRITICAL") < text.index(" HIGH ") < text.index(" INFO ")


def test_counts_footer(scan_result: ScanResult) -> None:
    text = recorded(scan_result)
    assert "7 findings · 1 accepted (suppressed) · 1 inconclusive · 1 error · 1 not run" in text
    assert "not run: budget: max_requests 5000 reached" in text
    assert "PARTIAL" not in text


def test_fits_in_100_columns(scan_result: ScanResult) -> None:
    """Everything but the curl lines, which are never wrapped so that they copy whole."""
    commands = {f.reproduce for f in scan_result.findings}
    commands |= {s.finding.reproduce for s in scan_result.suppressed}
    for line in recorded(scan_result, verbose=True).splitlines():
        assert len(line) <= 100 or line in commands


def test_verbose_adds_bodies_remediation_and_accepted(scan_result: ScanResult) -> None:
    quiet = recorded(scan_result)
    loud = recorded(scan_result, verbose=True)
    assert '"email": "alice@example.test"' not in quiet
    assert '"email": "alice@example.test"' in loud
    assert "Fix: Check that the caller owns the object" in loud
    assert "accepted: admin API only reachable over the VPN (until 2027-01-31)" in loud
    assert "Users can call the admin user list" not in quiet


def test_partial_banner(partial_result: ScanResult) -> None:
    text = recorded(partial_result)
    assert "PARTIAL SCAN: interrupted (Ctrl-C)." in text
    assert "PARTIAL: this report does not cover the whole plan." in text
    assert "Identities: none, the scan ran anonymously" in text


def test_markup_in_results_is_printed_literally(scan_result: ScanResult) -> None:
    scan_result.findings[0].details["similarity"] = 0.5
    scan_result.target = "http://127.0.0.1:8000/[bold red]x[/]"
    text = recorded(scan_result)
    assert "[bold red]x[/]" in text


def test_plain_render_has_no_escape_codes(scan_result: ScanResult) -> None:
    buffer = io.StringIO()
    render(scan_result, buffer)
    output = buffer.getvalue()
    assert "\x1b[" not in output
    assert "Findings by mistake" in output
    commands = {f.reproduce for f in scan_result.findings}
    assert max(len(line) for line in output.splitlines() if line not in commands) <= 100
