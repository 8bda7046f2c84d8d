"""What every reporter needs to say the same thing the same way.

Five formats describe one scan; if each grouped, truncated or counted findings on its own, a
reader comparing the HTML page with the CI log would see two different scans. Everything that
decides *what* is shown (section order, body truncation, the evidence summary, the per-identity
"really logged in" share) lives here, and the reporters only decide *how* it looks.
"""

from __future__ import annotations

import base64
import enum
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from authsift.model import (
    Evidence,
    Exchange,
    Family,
    Finding,
    IdentitySummary,
    ScanResult,
    Severity,
    SuppressedFinding,
)

BODY_LIMIT = 8 * 1024
"""Bytes of a body shown in a report. Enough to read a JSON object, small enough to keep a
report with hundreds of findings openable in a browser."""

TRUNCATION_MARKER = "\n… [truncated: {shown} of {total} bytes shown]"
CAPTURE_CUT_MARKER = "\n… [cut at the scanner's response-body cap]"

SEVERITIES_WORST_FIRST: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: -s.rank))

FAMILY_ORDER: tuple[Family, ...] = (
    Family.APIKEY,
    Family.JWT,
    Family.AUTHZ,
    Family.TOKEN,
    Family.RATELIMIT,
    Family.OAUTH,
    Family.TRANSPORT,
)
"""The five mistakes in their catalogue order (CHECKS.md §1.1), then the two extra groups."""


def family_heading(family: Family) -> str:
    """`3 · Missing or broken authorization`; the extras carry no number."""
    number = family.mistake
    return f"{number} · {family.label}" if number is not None else family.label


def family_anchor(family: Family) -> str:
    return f"family-{family.value}"


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Worst first, then grouped by check and operation, so repeated runs diff cleanly."""
    return sorted(
        findings,
        key=lambda f: (
            -f.severity.rank,
            FAMILY_ORDER.index(f.family),
            f.check_id,
            f.operation.key if f.operation else "",
            f.identity or "",
            f.fingerprint,
        ),
    )


def sort_suppressed(items: Iterable[SuppressedFinding]) -> list[SuppressedFinding]:
    """Accepted findings in the same order as live ones."""
    items = list(items)
    order = {id(f): i for i, f in enumerate(sort_findings(s.finding for s in items))}
    return sorted(items, key=lambda s: order[id(s.finding)])


def group_by_family(findings: Iterable[Finding]) -> list[tuple[Family, list[Finding]]]:
    """Non-empty families in catalogue order, each with its findings worst first."""
    ordered = sort_findings(findings)
    return [
        (family, [f for f in ordered if f.family is family])
        for family in FAMILY_ORDER
        if any(f.family is family for f in ordered)
    ]


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    counts = Counter(f.severity for f in findings)
    return {severity: counts.get(severity, 0) for severity in SEVERITIES_WORST_FIRST}


def family_severity_counts(findings: Iterable[Finding]) -> list[tuple[Family, dict[Severity, int]]]:
    """The summary grid: every family (even empty ones, so the table always has seven rows)."""
    items = list(findings)
    return [
        (family, severity_counts(f for f in items if f.family is family)) for family in FAMILY_ORDER
    ]


def operation_label(finding: Finding) -> str:
    return finding.operation.key if finding.operation is not None else "API-wide"


def actor_label(finding: Finding) -> str:
    """`bob → alice` for authorization findings, `alice` or `anonymous` otherwise."""
    actor = finding.identity or "anonymous"
    return f"{actor} → {finding.victim}" if finding.victim else actor


# --------------------------------------------------------------------------- identities


@dataclass(frozen=True, slots=True)
class IdentityLine:
    """The numbers users asked for: did this identity's traffic really go out logged in?"""

    name: str
    role: str
    auth_type: str
    requests: int
    succeeded: int
    logged_in: bool

    @property
    def authenticated_share(self) -> float | None:
        """Share of this identity's requests that the API answered as logged in (2xx/3xx)."""
        if self.requests == 0:
            return None
        return self.succeeded / self.requests

    @property
    def share_text(self) -> str:
        share = self.authenticated_share
        return "no requests" if share is None else f"{share:.0%}"


def identity_lines(identities: Iterable[IdentitySummary]) -> list[IdentityLine]:
    return [
        IdentityLine(i.name, i.role, i.auth_type, i.requests, i.succeeded, i.logged_in)
        for i in identities
    ]


# --------------------------------------------------------------------------- bodies


def body_text(body: bytes | None, *, capture_cut: bool = False, limit: int = BODY_LIMIT) -> str:
    """A body as readable text, cut at `limit` bytes with a marker saying so.

    Binary bodies are not dumped as mojibake: a reader learns their size, and the hash-free
    placeholder keeps reports byte-stable. JSON is pretty-printed when it fits, because evidence
    is read by people comparing two responses side by side.
    """
    if not body:
        return ""
    if _looks_binary(body):
        text = f"[binary body, {len(body)} bytes]"
    elif len(body) <= limit:
        text = pretty_json(body.decode("utf-8", errors="replace"))
    else:
        shown = body[:limit]
        text = shown.decode("utf-8", errors="replace")
        text += TRUNCATION_MARKER.format(shown=len(shown), total=len(body))
    if capture_cut:
        text += CAPTURE_CUT_MARKER
    return text


def pretty_json(text: str) -> str:
    """Indent a JSON document; any other text comes back unchanged."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return text
    try:
        return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def _looks_binary(body: bytes) -> bool:
    sample = body[:1024]
    if b"\x00" in sample:
        return True
    decoded = sample.decode("utf-8", errors="replace")
    # a multi-byte character cut at the sample edge yields at most one replacement character
    return decoded.count("\ufffd") > 1


# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """One side of an exchange as text, ready for any format."""

    start_line: str
    headers: tuple[tuple[str, str], ...]
    body: str


@dataclass(frozen=True, slots=True)
class RenderedEvidence:
    label: str
    note: str
    identity: str | None
    request: RenderedMessage
    response: RenderedMessage | None
    error: str | None

    @property
    def status_line(self) -> str:
        """`baseline: GET http://…/users/1 → 200 (312 B)`, the line a reader scans first."""
        request_line = self.request.start_line
        if self.response is None:
            outcome = f"no response ({self.error or 'unknown error'})"
        else:
            outcome = self.response.start_line
        return f"{self.label}: {request_line} → {outcome}"


def render_evidence(evidence: Evidence) -> RenderedEvidence:
    exchange = evidence.exchange
    request = exchange.request
    rendered_request = RenderedMessage(
        start_line=f"{request.method} {request.url}",
        headers=request.headers,
        body=body_text(request.body),
    )
    rendered_response = None
    if exchange.response is not None:
        response = exchange.response
        size = len(response.body)
        rendered_response = RenderedMessage(
            start_line=f"{response.status} ({size} B{', cut' if response.truncated else ''})",
            headers=response.headers,
            body=body_text(response.body, capture_cut=response.truncated),
        )
    return RenderedEvidence(
        label=evidence.label,
        note=evidence.note,
        identity=exchange.identity,
        request=rendered_request,
        response=rendered_response,
        error=exchange.error,
    )


def evidence_pairs(evidence: Iterable[RenderedEvidence]) -> list[list[RenderedEvidence]]:
    """Evidence in twos (baseline | attack, owner | intruder) for side-by-side display."""
    items = list(evidence)
    return [items[i : i + 2] for i in range(0, len(items), 2)]


def exchange_summary(exchange: Exchange) -> str:
    status = exchange.status
    return str(status) if status is not None else f"error: {exchange.error or 'no response'}"


def similarity_text(finding: Finding) -> str | None:
    """The judge's similarity score, if the check recorded one in `details["similarity"]`."""
    value = finding.details.get("similarity")
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return f"{float(value):.2f}"


def evidence_summary(finding: Finding) -> str:
    """A few plain lines: each evidence status line, then the similarity if known."""
    lines = [render_evidence(e).status_line for e in finding.evidence]
    similarity = similarity_text(finding)
    if similarity is not None:
        lines.append(f"similarity: {similarity}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- JSON safety


def json_safe(value: Any) -> Any:
    """Turn a check's free-form `details` into JSON values without ever raising.

    Checks put what they like in `details`; a report must still be written, so unknown objects
    become their `str()` rather than crashing the reporter at the end of a long scan.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return "base64:" + base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_safe(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


def tasks_needing_attention(result: ScanResult) -> dict[str, int]:
    """Counts a reader must not miss: what was not proven either way."""
    return {
        "inconclusive": len(result.inconclusive),
        "errors": len(result.errors),
        "not_run": len(result.not_run),
    }
