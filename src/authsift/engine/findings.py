"""A check's finding as it leaves the engine: redacted, fingerprinted, with its curl command.

`TaskContext.finding` delegates here, so that what a finding carries — and what it must never
carry (credentials, see `redact.py`) — is decided in one place.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from typing import Any

from authsift.checks.base import Check
from authsift.engine.redact import Redactor
from authsift.engine.requests import curl_command
from authsift.model import Confidence, Evidence, Exchange, Finding, OperationRef, Severity


def make_finding(
    check: Check,
    redactor: Redactor,
    *,
    operation: OperationRef | None,
    attacker: str | None,
    title: str | None,
    description: str,
    evidence: list[Evidence],
    confidence: Confidence,
    severity: Severity | None,
    victim: str | None,
    reproduce: Exchange | None,
    details: dict[str, Any] | None,
) -> Finding:
    """The fingerprint is stable across runs: check, operation (or API-wide), attacker, victim
    — and the title when the check gives one of its own, so that two results of one check that
    prove different things ("not typed at+jwt" and "refresh token accepted") never merge. A
    finding under the check's own title keeps the fingerprint it always had (baselines and
    suppressions by fingerprint keep working)."""
    parts = [check.id, operation.key if operation else "*", attacker or "", victim or ""]
    if title and title != check.title:
        parts.append(title)
    fingerprint_source = "|".join(parts)
    attack = reproduce or (evidence[-1].exchange if evidence else None)
    return Finding(
        check_id=check.id,
        title=title or check.title,
        severity=severity or check.severity,
        confidence=confidence,
        family=check.family,
        cwe=check.cwe,
        owasp=check.owasp,
        operation=operation,
        identity=attacker,
        victim=victim,
        description=redactor.text(description),
        evidence=tuple(
            replace(e, label=_whose(e), exchange=redactor.exchange(e.exchange)) for e in evidence
        ),
        reproduce=curl_command(redactor.exchange(attack)) if attack else "",
        remediation=check.remediation,
        fingerprint=hashlib.sha256(fingerprint_source.encode()).hexdigest()[:24],
        references=check.references,
        details=details or {},
    )


def _whose(evidence: Evidence) -> str:
    """The label, naming whose credentials the exchange carried if it does not already: a
    baseline may come from another identity than the one a check asked about first."""
    sender = evidence.exchange.identity
    if sender is None or re.search(rf"(?<![\w-]){re.escape(sender)}(?![\w-])", evidence.label):
        return evidence.label
    return f"{evidence.label} (as {sender})"
