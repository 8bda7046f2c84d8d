"""HTML: one self-contained, escaped, complete page."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from authsift.model import ScanResult
from authsift.reports.common import render_evidence
from authsift.reports.html import render_html

EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


class _Collector(HTMLParser):
    """Every tag with its attributes, and the text, so tests look at what a browser sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def collect(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    collector.close()
    return collector


@pytest.fixture
def page(scan_result: ScanResult) -> str:
    return render_html(scan_result)


def test_no_network_assets(page: str) -> None:
    collector = collect(page)
    for tag, attrs in collector.tags:
        for name in ("src", "href", "action", "data", "poster", "srcset"):
            value = attrs.get(name)
            if value is None:
                continue
            if tag == "a" and name == "href":
                continue  # a link the reader may follow is not an asset the page loads
            assert not EXTERNAL.match(value), f"<{tag} {name}={value!r}> loads a network asset"
    assert "<script src" not in page.lower()
    assert "<link" not in page.lower()
    assert "@import" not in page
    assert "url(" not in page
    external_links = [
        a.get("href") for t, a in collector.tags if t == "a" and EXTERNAL.match(a.get("href") or "")
    ]
    assert external_links, "the check documentation links are expected"
    assert all(
        (href or "").startswith("https://github.com/authsift/authsift/blob/main/docs/checks/")
        for href in external_links
    )


def test_target_bodies_are_escaped(page: str) -> None:
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x" not in page
    assert html.escape("<script>alert(1)</script>", quote=False) in page
    collector = collect(page)
    assert len(collector.scripts) == 1  # only our own copy-button script
    assert "alert" not in collector.scripts[0]


def test_every_finding_its_evidence_and_curl_appear(scan_result: ScanResult, page: str) -> None:
    text = "".join(collect(page).text)
    for finding in scan_result.findings:
        assert finding.title in text
        assert finding.reproduce in text
        assert finding.remediation in text
        assert finding.fingerprint in text
        for item in finding.evidence:
            rendered = render_evidence(item)
            assert rendered.request.start_line in text
            if rendered.response is not None:
                assert rendered.response.start_line in text
                assert rendered.response.body[:200] in text
    assert text.count('"email": "alice@example.test"') >= 2  # owner and intruder bodies, pretty


def test_findings_grouped_by_mistake_in_catalogue_order(page: str) -> None:
    headings = [
        "1 · API keys as the sole authentication",
        "2 · Improper JWT validation",
        "3 · Missing or broken authorization",
        "4 · Long-lived or non-expiring tokens",
        "5 · No rate limiting or abuse detection",
        "OAuth 2.0 / OpenID Connect misconfiguration",
        "Credential leakage and transport",
    ]
    positions = [page.index(f"<h2>{html.escape(h)}") for h in headings]
    assert positions == sorted(positions)


def test_evidence_pairs_side_by_side(page: str) -> None:
    assert page.count('<div class="pair">') == 3  # bola, alg-none, the accepted bfla
    assert 'class="pair single"' in page


def test_summary_sections_and_identity_share(page: str) -> None:
    text = " ".join(" ".join(collect(page).text).split())
    assert "did the scan really run logged in?" in text
    assert "180 176 98%" in text
    assert "no requests" in text
    for section in ('id="accepted"', 'id="inconclusive"', 'id="errors"', 'id="not-run"'):
        assert section in page
    assert "admin API only reachable over the VPN (until 2027-01-31)" in text
    assert "valid and rejected baselines are indistinguishable" in text
    assert "KeyError: 'kid'" in text
    assert "budget: max_requests 5000 reached" in text
    assert "1 planned task(s) were skipped" in text
    assert "Partial scan" not in text


def test_access_matrix_grid(page: str) -> None:
    assert 'id="access-matrix"' in page
    assert page.count('class="state-allowed"') == 6
    assert page.count('class="state-denied"') == 2
    assert page.count('class="state-inconclusive"') == 1


def test_malformed_access_matrix_is_left_out(scan_result: ScanResult) -> None:
    scan_result.extras["access_matrix"] = {"rows": "nope"}
    assert 'id="access-matrix"' not in render_html(scan_result)


def test_partial_scan_is_marked_and_not_called_clean(partial_result: ScanResult) -> None:
    text = " ".join(" ".join(collect(render_html(partial_result)).text).split())
    assert "Partial scan: interrupted (Ctrl-C)." in text
    assert "No findings in the part of the plan that ran." in text
    assert "No identities: this scan ran anonymously." in text


def test_print_styles_present(page: str) -> None:
    assert "@media print" in page


def test_summary_grid_counts_by_mistake_and_severity(page: str) -> None:
    grid = page[page.index('<table class="grid">') : page.index("</table>")]
    jwt_row = grid[grid.index("2 · Improper JWT validation") :].split("</tr>")[0]
    assert 'class="num text-critical">1<' in jwt_row
    transport_row = grid[grid.index("Credential leakage and transport") :].split("</tr>")[0]
    assert 'class="num text-low">1<' in transport_row
    assert grid.count("<tr>") == 8  # header + seven families, empty ones included
