"""Issue 14 §4: reports are written for people. A full intrusive scan of the vulnerable lab, every
check, rendered in every format; no text meant for a reader (titles, descriptions, labels, notes,
reasons, coverage lines, console text outside the curl lines) may carry a Python repr — `['1',`,
`{'role': …}`, `b'secret'`, `None`, `True`, `('a', …)` — or a doubled label ("as alice as alice").

Bodies and headers in the evidence are the target's own bytes and are left out: a JSON body
legitimately contains `{"role": "admin"}`.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from authsift.model import ScanResult
from authsift.reports.console import render_console

REPR_PATTERNS = {
    "list repr": re.compile(r"\[\s*[\"']|'\s*,\s*'"),
    "dict repr": re.compile(r"\{\s*'"),
    "bytes repr": re.compile(r"\bb'|\bb\""),
    "tuple repr": re.compile(r"\(\s*'[^']*',"),
    "dict item repr": re.compile(r"'\w+': "),
    "None": re.compile(r"\bNone\b"),
    "bool repr": re.compile(r"\b(?:True|False)\b"),
    "enum repr": re.compile(r"\b(?:Verdict|Severity|Outcome|Family|Confidence|Safety)\.[A-Z]"),
    "set repr": re.compile(r"\b(?:frozenset|set|dict_keys|dict_values)\("),
    "object repr": re.compile(r"<[\w.]+ object at 0x"),
    "doubled label": re.compile(r"\bas ([\w@.-]+) as \1\b"),
    "doubled word": re.compile(r"\b(the|a|an|with|as|of|to)\s+\1\b", re.IGNORECASE),
}


@pytest.fixture(scope="module")
def lab_reports(intrusive_lab_scan: tuple[ScanResult, Path]) -> tuple[ScanResult, Path]:
    return intrusive_lab_scan


CODE_SPAN = re.compile(r"`[^`]*`")


def offences(where: str, text: str) -> list[str]:
    text = CODE_SPAN.sub("`code`", text)  # `algorithms=["RS256"]` is code on purpose
    found = []
    for name, pattern in REPR_PATTERNS.items():
        for match in pattern.finditer(text):
            start = max(0, match.start() - 60)
            excerpt = text[start : match.end() + 40].replace("\n", " ")
            found.append(f"{where}: {name}: …{excerpt}…")
    return found


def assert_readable(texts: Iterator[tuple[str, str]]) -> None:
    problems = [problem for where, text in texts for problem in offences(where, text)]
    assert not problems, f"{len(problems)} repr-looking texts:\n" + "\n".join(problems)


# --------------------------------------------------------------------------- per format


def result_texts(result: ScanResult) -> Iterator[tuple[str, str]]:
    for finding in result.findings:
        where = finding.check_id
        yield f"{where} title", finding.title
        yield f"{where} description", finding.description
        yield f"{where} remediation", finding.remediation
        for evidence in finding.evidence:
            yield f"{where} evidence label", evidence.label
            yield f"{where} evidence note", evidence.note
    for task in result.tasks:
        yield f"{task.check_id} {task.outcome} reason", task.reason


def json_texts(report: dict[str, Any]) -> Iterator[tuple[str, str]]:
    prose = {"title", "description", "remediation", "label", "note", "reason", "summary"}

    def walk(node: Any, path: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in {"request", "response", "reproduce", "details"}:
                    continue  # the target's bytes, a shell command, structured data
                if key in prose and isinstance(value, str):
                    yield f"{path}.{key}", value
                else:
                    yield from walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, item in enumerate(node):
                yield from walk(item, f"{path}[{index}]")

    yield from walk(report, "$")


def sarif_texts(log: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for run in log["runs"]:
        for rule in run["tool"]["driver"]["rules"]:
            yield f"rule {rule['id']} short", rule["shortDescription"]["text"]
            yield f"rule {rule['id']} full", rule["fullDescription"]["text"]
        for result in run["results"]:
            yield f"result {result['ruleId']}", result["message"]["text"]
        for invocation in run["invocations"]:
            for key in ("toolExecutionNotifications", "toolConfigurationNotifications"):
                for note in invocation.get(key, []):
                    yield f"{key}", note["message"]["text"]


def junit_texts(root: ET.Element) -> Iterator[tuple[str, str]]:
    for case in root.iter("testcase"):
        yield "testcase name", case.get("name", "")
        for child in case:
            yield f"testcase {child.tag} message", child.get("message", "")
            text = child.text or ""
            # the failure text ends each finding with its curl line and fingerprint
            text = re.sub(r"Reproduce:\n.*?\nFingerprint:", "", text, flags=re.DOTALL)
            yield f"testcase {child.tag} text", text


class _HtmlText(HTMLParser):
    """Text a reader sees, minus <pre> blocks (bodies, headers, curl) and the stylesheet."""

    SKIP = frozenset({"pre", "style", "script"})

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.depth -= 1
        elif tag in {"p", "h2", "h3", "h4", "td", "li", "div", "dd"}:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def html_texts(page: str) -> Iterator[tuple[str, str]]:
    parser = _HtmlText()
    parser.feed(page)
    for number, line in enumerate("".join(parser.parts).splitlines(), start=1):
        if line.strip():
            yield f"html line {number}", line


def console_texts(result: ScanResult) -> Iterator[tuple[str, str]]:
    # wide enough that rich does not wrap a sentence; the curl lines are shell, not prose
    without_curl = replace(result, findings=[replace(f, reproduce="") for f in result.findings])
    buffer = io.StringIO()
    render_console(
        without_curl, Console(file=buffer, width=1000, no_color=True, highlight=False, emoji=False)
    )
    for number, line in enumerate(buffer.getvalue().splitlines(), start=1):
        yield f"console line {number}", line.strip(" │╭╮╰╯─")


# --------------------------------------------------------------------------- the tests


def test_findings_tasks_and_reasons_read_as_sentences(
    lab_reports: tuple[ScanResult, Path],
) -> None:
    result, _ = lab_reports
    assert_readable(result_texts(result))


def test_console_summary_has_no_reprs(lab_reports: tuple[ScanResult, Path]) -> None:
    result, _ = lab_reports
    assert_readable(console_texts(result))


def test_json_report_prose_has_no_reprs(lab_reports: tuple[ScanResult, Path]) -> None:
    _, output = lab_reports
    assert_readable(json_texts(json.loads((output / "authsift.json").read_text())))


def test_sarif_messages_have_no_reprs(lab_reports: tuple[ScanResult, Path]) -> None:
    _, output = lab_reports
    assert_readable(sarif_texts(json.loads((output / "authsift.sarif").read_text())))


def test_junit_messages_have_no_reprs(lab_reports: tuple[ScanResult, Path]) -> None:
    _, output = lab_reports
    assert_readable(junit_texts(ET.parse(output / "authsift-junit.xml").getroot()))


def test_html_text_outside_bodies_has_no_reprs(lab_reports: tuple[ScanResult, Path]) -> None:
    _, output = lab_reports
    assert_readable(html_texts((output / "authsift.html").read_text()))


@pytest.mark.parametrize(
    "text",
    [
        "markers ['1', 'Alice Liddell']",
        "alice's claims with {'role': 'admin'}",
        "re-signed with b'secret123'",
        "typ None",
        "valid request as alice as alice",
        "key ('RSA', 'EC')",
        "carries [\"alice's tea set\", 'alice@lab.example']",
    ],
)
def test_the_patterns_catch_what_they_are_for(text: str) -> None:
    assert offences("sample", text)


@pytest.mark.parametrize(
    "text",
    [
        'markers "1", "Alice Liddell" and 2 more',
        "alice's claims with role=admin",
        'the body {"role": "admin"} is JSON',
        "GET /orders/{order_id} as bob",
        "bob's answer as alice's token",
        'pass it as the allowlist (`algorithms=["RS256"]`)',
    ],
)
def test_the_patterns_leave_plain_text_alone(text: str) -> None:
    assert not offences("sample", text)
