"""The HTML report in a real headless Chromium: a report of a real lab scan renders, its script
runs without a console error, the filters change what is visible, nothing is fetched from the
network, and without JavaScript every finding is still there.

Needs a Chromium-family browser (Debian: `apt-get install chromium`; `.ci/run` installs it, and
`$AUTHSIFT_CHROMIUM` may name another binary). Without one the tests are skipped, saying why.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from authsift.app.demo import scan_lab
from authsift.lab.flaws import LabSettings
from authsift.model import Finding
from authsift.reports.common import operation_label
from tests.reports.chromium import Chromium, Tab, find_chromium

# about 8.5 s on an idle 2-core machine, 12-13 s when it is shared: most of it is the lab scan
pytestmark = pytest.mark.slow

VISIBLE = (
    "Array.from(document.querySelectorAll('#findings-list details.finding'))"
    ".filter(e => e.offsetParent !== null)"
)
COUNT = "document.querySelector('#filters .count').textContent"
CONSOLE_EVENTS = ("Runtime.consoleAPICalled", "Runtime.exceptionThrown", "Log.entryAdded")


@dataclass(frozen=True, slots=True)
class Report:
    path: Path
    findings: list[Finding]

    @property
    def url(self) -> str:
        return self.path.resolve().as_uri()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    binary = find_chromium()
    if binary is None:
        pytest.skip(
            "no Chromium-family browser on PATH (install Debian's `chromium`, or set "
            "$AUTHSIFT_CHROMIUM): the HTML report was not checked in a real browser"
        )
    with Chromium(binary, tmp_path_factory.mktemp("chromium-profile")) as browser:
        yield browser


@pytest.fixture(scope="module")
def lab_report(chromium: Chromium, tmp_path_factory: pytest.TempPathFactory) -> Report:
    """The HTML report of a real scan of the vulnerable lab (every flaw on, several families)."""
    output = tmp_path_factory.mktemp("lab-report")
    quiet = Console(quiet=True)
    outcome = scan_lab(
        LabSettings.vulnerable(), output=output, out=quiet, err=quiet, formats=["html"], quiet=True
    )
    assert outcome.result is not None, outcome.error
    findings = outcome.result.findings
    assert len(findings) >= 10 and len({f.family for f in findings}) >= 3  # a report at scale
    return Report(output / "authsift.html", findings)


async def _open(tab: Tab, url: str, *, scripts: bool = True) -> None:
    for domain in ("Page", "Runtime", "Log", "Network"):
        await tab.send(f"{domain}.enable")
    await tab.send(
        "Emulation.setDeviceMetricsOverride",
        width=1280,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )
    if not scripts:
        await tab.send("Emulation.setScriptExecutionDisabled", value=True)
    await tab.open(url)


def _problems(tab: Tab) -> list[str]:
    """Console errors and warnings, uncaught exceptions, CSP violations."""
    found = []
    for event in tab.named(*CONSOLE_EVENTS):
        params: dict[str, Any] = event["params"]
        if event["method"] == "Runtime.exceptionThrown":
            found.append(json.dumps(params["exceptionDetails"])[:300])
        elif event["method"] == "Runtime.consoleAPICalled":
            if params["type"] in ("error", "warning", "assert"):
                found.append(json.dumps(params["args"])[:300])
        elif params["entry"]["level"] in ("error", "warning"):
            found.append(params["entry"]["text"])
    return found


def _requests(tab: Tab) -> list[str]:
    return [event["params"]["request"]["url"] for event in tab.named("Network.requestWillBeSent")]


def test_report_renders_collapsed_with_no_console_error_and_no_network(
    chromium: Chromium, lab_report: Report
) -> None:
    async def scenario() -> dict[str, Any]:
        async with chromium.tab() as tab:
            await _open(tab, lab_report.url)
            facts = {
                "title": await tab.evaluate("document.title"),
                "cards": await tab.evaluate(f"{VISIBLE}.length"),
                "open": await tab.evaluate(f"{VISIBLE}.filter(e => e.open).length"),
                "bar": await tab.evaluate(
                    "document.getElementById('filters').offsetParent !== null"
                ),
                "count": await tab.evaluate(COUNT),
                "collapsed": await tab.evaluate("document.documentElement.scrollHeight"),
            }
            await tab.evaluate("document.querySelector('#filters button.expand').click()")
            facts["expanded"] = await tab.evaluate("document.documentElement.scrollHeight")
            facts["open_after"] = await tab.evaluate(f"{VISIBLE}.filter(e => e.open).length")
            facts["problems"], facts["requests"] = _problems(tab), _requests(tab)
            return facts

    facts = asyncio.run(scenario())
    total = len(lab_report.findings)
    assert facts["title"].startswith("authsift report")
    assert facts["cards"] == total and facts["open"] == 0  # every finding, all collapsed
    assert facts["bar"] and facts["count"] == f"Showing {total} of {total} findings"
    assert facts["open_after"] == total
    assert facts["collapsed"] * 3 < facts["expanded"], (facts["collapsed"], facts["expanded"])
    assert facts["problems"] == []
    assert facts["requests"] == [lab_report.url], "the page fetched something besides itself"


def test_filters_combine_and_count_what_is_visible(chromium: Chromium, lab_report: Report) -> None:
    by_severity = Counter(f.severity.value for f in lab_report.findings)
    by_family = Counter(f.family.value for f in lab_report.findings)
    severity = min(by_severity, key=lambda s: (by_severity[s], s))  # the rarest: a real cut
    family = next(f.family.value for f in lab_report.findings if f.severity.value == severity)
    check = next(f.check_id for f in lab_report.findings if f.family.value == family)
    total = len(lab_report.findings)
    # an operation with findings, none of them of that check: the three filters together match none
    elsewhere = next(
        operation_label(f)
        for f in lab_report.findings
        if all(
            operation_label(g) != operation_label(f)
            for g in lab_report.findings
            if g.check_id == check
        )
    )

    async def visible(tab: Tab) -> list[dict[str, str]]:
        result: list[dict[str, str]] = await tab.evaluate(f"{VISIBLE}.map(e => ({{...e.dataset}}))")
        return result

    async def choose(tab: Tab, name: str, value: str) -> None:
        await tab.evaluate(
            f"(() => {{ const s = document.querySelector('#filters select[name={name}]');"
            f" s.value = {json.dumps(value)};"
            " s.dispatchEvent(new Event('change', {bubbles: true})); })()"
        )

    async def scenario() -> dict[str, Any]:
        async with chromium.tab() as tab:
            await _open(tab, lab_report.url)
            steps: dict[str, Any] = {}
            # severity chips: untick every severity but one (a click fires the change event)
            await tab.evaluate(
                "document.querySelectorAll('#filters input[name=severity]').forEach(box =>"
                f" {{ if (box.checked !== (box.value === {json.dumps(severity)})) box.click(); }})"
            )
            steps["severity"] = (await visible(tab), await tab.evaluate(COUNT))
            await tab.evaluate("document.querySelector('#filters button.reset').click()")
            await choose(tab, "family", family)
            steps["family"] = await visible(tab)
            steps["hidden_sections"] = await tab.evaluate(
                "Array.from(document.querySelectorAll('section.family'))"
                ".filter(s => s.hidden).map(s => s.id)"
            )
            await choose(tab, "check", check)
            steps["family+check"] = (await visible(tab), await tab.evaluate(COUNT))
            await choose(tab, "operation", elsewhere)
            steps["nothing"] = (
                await visible(tab),
                await tab.evaluate("document.getElementById('no-match').hidden"),
            )
            await tab.evaluate("document.querySelector('#filters button.reset').click()")
            steps["reset"] = await tab.evaluate(COUNT)
            # a matrix cell's link to a finding hidden by a filter resets the filters and opens it
            await choose(tab, "family", "jwt")
            link = await tab.evaluate(
                "(() => { const a = document.querySelector('#access-matrix td a');"
                " a.click(); return a.getAttribute('href'); })()"
            )
            await asyncio.sleep(0.2)  # hashchange is dispatched asynchronously
            steps["link"] = (
                link,
                await tab.evaluate(f"document.getElementById({json.dumps(link[1:])}).open"),
                await tab.evaluate(COUNT),
            )
            steps["problems"], steps["requests"] = _problems(tab), _requests(tab)
            return steps

    steps = asyncio.run(scenario())
    shown, count = steps["severity"]
    assert {card["severity"] for card in shown} == {severity}
    assert (
        len(shown) == by_severity[severity] and count == f"Showing {len(shown)} of {total} findings"
    )
    assert {card["family"] for card in steps["family"]} == {family}
    assert len(steps["family"]) == by_family[family]
    assert f"family-{family}" not in steps["hidden_sections"] and steps["hidden_sections"]
    shown, count = steps["family+check"]
    assert {(card["family"], card["check"]) for card in shown} == {(family, check)}
    assert count == f"Showing {len(shown)} of {total} findings"
    assert steps["nothing"] == ([], False)  # "no finding matches" is shown
    assert steps["reset"] == f"Showing {total} of {total} findings"
    link, opened, count = steps["link"]
    assert link.startswith("#authz-") and opened and count == f"Showing {total} of {total} findings"
    assert steps["problems"] == [] and steps["requests"] == [lab_report.url]


def test_without_javascript_every_finding_is_listed(chromium: Chromium, lab_report: Report) -> None:
    async def scenario() -> tuple[int, bool, int]:
        async with chromium.tab() as tab:
            await _open(tab, lab_report.url, scripts=False)
            return (
                await tab.evaluate(f"{VISIBLE}.length"),
                await tab.evaluate("document.getElementById('filters').offsetParent === null"),
                len(_requests(tab)),
            )

    cards, bar_hidden, requests = asyncio.run(scenario())
    assert cards == len(lab_report.findings)  # nothing filtered away
    assert bar_hidden  # no controls that would do nothing
    assert requests == 1


def test_network_and_console_monitors_do_see_a_leak(chromium: Chromium, tmp_path: Path) -> None:
    """The monitors above must not pass because they see nothing: a page that loads an image
    from another origin and logs an error is caught by both."""
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><img src="http://127.0.0.1:9/pixel.png">'
        "<script>console.error('boom')</script>",
        encoding="utf-8",
    )

    async def scenario() -> tuple[list[str], list[str]]:
        async with chromium.tab() as tab:
            await _open(tab, page.resolve().as_uri())
            return _requests(tab), _problems(tab)

    requests, problems = asyncio.run(scenario())
    assert "http://127.0.0.1:9/pixel.png" in requests
    assert any("boom" in problem for problem in problems)
