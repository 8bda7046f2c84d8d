"""HTML: one self-contained, escaped, complete page."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import re
from html.parser import HTMLParser

import pytest

from authsift.model import OperationRef, ScanResult
from authsift.reports.common import render_evidence
from authsift.reports.html import render_html

EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
CSS_FETCH = re.compile(r"url\s*\(|@import|image-set\s*\(", re.IGNORECASE)


class _Collector(HTMLParser):
    """Every tag with its attributes, and the text, so tests look at what a browser sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._in = None

    def handle_data(self, data: str) -> None:
        target = {"script": self.scripts, "style": self.styles}.get(self._in or "", self.text)
        target.append(data)


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
        for name in ("src", "href", "action", "data", "poster", "srcset", "formaction"):
            value = attrs.get(name)
            if value is None:
                continue
            if tag == "a" and name == "href":
                continue  # a link the reader may follow is not an asset the page loads
            assert not EXTERNAL.match(value), f"<{tag} {name}={value!r}> loads a network asset"
        assert tag not in ("link", "iframe", "object", "embed", "img", "base"), f"<{tag}> in page"
        assert not CSS_FETCH.search(attrs.get("style") or ""), f"<{tag} style> fetches"
    assert [tag for tag, attrs in collector.tags if tag == "script"] == ["script"]
    assert all(attrs.get("src") is None for tag, attrs in collector.tags if tag == "script")
    assert collector.styles and not any(CSS_FETCH.search(css) for css in collector.styles)
    external_links = [
        a.get("href") for t, a in collector.tags if t == "a" and EXTERNAL.match(a.get("href") or "")
    ]
    assert external_links, "the check documentation links are expected"
    assert all(
        (href or "").startswith("https://github.com/authsift/authsift/blob/main/docs/checks/")
        for href in external_links
    )


def test_content_security_policy_allows_only_the_pages_own_style_and_script(page: str) -> None:
    """Even markup that slipped past escaping could neither run nor fetch anything."""
    collector = collect(page)
    metas = [a for t, a in collector.tags if t == "meta" and a.get("http-equiv")]
    assert [m["http-equiv"] for m in metas] == ["Content-Security-Policy"]
    policy = dict(
        (part.split()[0], part.split()[1:]) for part in (metas[0]["content"] or "").split(";")
    )
    assert policy["default-src"] == ["'none'"]

    def pinned(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert policy["script-src"] == [pinned(collector.scripts[0])]
    assert policy["style-src"] == [pinned(collector.styles[0])]
    assert page.index("Content-Security-Policy") < page.index("<style>")  # before anything


def test_target_bodies_are_escaped(page: str) -> None:
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x" not in page
    assert html.escape("<script>alert(1)</script>", quote=False) in page
    collector = collect(page)
    assert len(collector.scripts) == 1  # only our own script
    assert "alert" not in collector.scripts[0]


def test_markup_in_attributes_and_summaries_is_escaped(scan_result: ScanResult) -> None:
    nasty = '/x"><script>alert(3)</script>'
    scan_result.findings[0] = dataclasses.replace(
        scan_result.findings[0],
        title='<b onmouseover="alert(4)">t</b>',
        operation=OperationRef("GET", nasty),
    )
    page = render_html(scan_result)
    assert "alert(3)</script>" not in page and '<b onmouseover="alert(4)">' not in page
    collector = collect(page)
    assert len(collector.scripts) == 1
    card = next(
        a for t, a in collector.tags if t == "details" and a.get("data-check") == "authz-bola"
    )
    assert card["data-operation"] == f"GET {nasty}"  # the browser reads back the exact text


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


def test_access_matrix_marks_unexpected_access_with_colour_and_words(page: str) -> None:
    section = page[page.index('id="access-matrix"') :]
    section = section[: section.index("</section>")]
    assert section.count('class="state-allowed verdict-') == 6
    assert section.count('class="state-denied verdict-denied"') == 2
    assert section.count('class="state-inconclusive verdict-inconclusive"') == 1
    # bob reading alice's user record is the BOLA finding: red, and the words say so and link
    bola_cell = re.search(r'<td class="state-allowed verdict-unexpected"[^>]*>(.*?)</td>', section)
    assert bola_cell is not None
    assert "⚠" in bola_cell.group(1) and 'href="#authz-1"' in bola_cell.group(1)
    assert ">finding</a>" in bola_cell.group(1)
    grid = section[section.index("<tbody>") :]
    assert grid.count("verdict-unexpected") == 1
    assert grid.count(">accepted<") == 1  # the accepted BFLA
    assert section.count("own data") >= 3
    assert "admin · privileged" in section  # an older matrix: the default privileged role
    assert "<code>GET /admin/users</code>" in section
    text = " ".join(" ".join(collect(page).text).split())
    assert "1 unexpected access" in text


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


def test_findings_are_collapsed_with_what_where_and_who_in_the_summary(
    scan_result: ScanResult, page: str
) -> None:
    """Collapsed by default, critical included: a scan with many criticals (the lab has 16 of 21)
    would otherwise open on one long card instead of the list a reader triages from."""
    collector = collect(page)
    cards = [a for t, a in collector.tags if t == "details" and "finding" in (a.get("class") or "")]
    assert len(cards) == len(scan_result.findings) + len(scan_result.suppressed)
    assert all("open" not in card for card in cards)
    summaries = re.findall(r"<summary>(.*?)</summary>", page, re.DOTALL)
    bola = next(s for s in summaries if "authz-bola" in s)
    for part in ("sev-high", ">high<", "Bob can read Alice&#39;s user record", "GET /users/{id}"):
        assert part in bola, part
    assert "bob → alice" in bola and "certain" in bola
    by_check = {a["data-check"]: a for a in cards}
    assert by_check["authz-bola"]["data-severity"] == "high"
    assert by_check["authz-bola"]["data-family"] == "authz"
    assert by_check["oauth-metadata-none-alg"]["data-operation"] == "API-wide"


def test_filter_bar_lists_every_choice_with_counts_and_is_hidden_without_script(page: str) -> None:
    collector = collect(page)
    form = next(a for t, a in collector.tags if t == "form")
    assert form.get("id") == "filters" and "hidden" in form  # the script reveals it
    boxes = [a["value"] for t, a in collector.tags if t == "input" and a.get("name") == "severity"]
    assert boxes == ["critical", "high", "medium", "low", "info"]
    text = " ".join(" ".join(collector.text).split())
    assert "critical 1 high 2 medium 2 low 1 info 1" in text
    assert "2 · Improper JWT validation (1)" in text
    assert "POST /auth/login (2)" in text and "API-wide (1)" in text
    assert "Showing 7 of 7 findings" in text
    assert "Filters need JavaScript: every finding is listed below." in text
