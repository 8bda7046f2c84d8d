"""Baselines and suppressions: "only tell me about new things" without hiding anything.

Users abandon scanners whose accepted risks keep failing the build, and distrust ones whose
ignore rules silently drop findings (user-voice.md §1.6). So a suppression here needs a reason,
may expire, and moves a finding to the "accepted" section of every report instead of deleting
it; an expired suppression stops applying and the finding fails the build again.

`authsift.ignore.yaml`:

    suppressions:
      - fingerprint: 3f2a9c…             # one finding, exactly
        reason: false positive, see JIRA-123
      - check: authz-bfla
        operation: "GET /admin/*"        # glob over `METHOD /path`; omit for every operation
        reason: admin endpoints are behind the VPN
        expires: 2027-01-31              # inclusive; from the next day the finding is back
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from authsift.model import Finding, SuppressedFinding
from authsift.reports.json_report import ReportLoadError, load_json_report

logger = logging.getLogger(__name__)

_ALLOWED_KEYS = ("fingerprint", "check", "operation", "reason", "expires")
_OPERATION_PATTERN = re.compile(r"^(\*|[A-Za-z]+)\s+(\S+)$")


class TriageError(ValueError):
    """A bad suppression or baseline file; the message is one line naming the entry."""


@dataclass(frozen=True, slots=True)
class Suppression:
    """One accepted risk: by fingerprint, or by check and an optional operation glob."""

    reason: str
    fingerprint: str | None = None
    check: str | None = None
    operation: str | None = None  # `GET /admin/*`, `* /internal/*`; None = every operation
    expires: dt.date | None = None

    def is_expired(self, today: dt.date) -> bool:
        """Expiry is inclusive: a suppression that expires on 31 January still applies that day."""
        return self.expires is not None and today > self.expires

    def matches(self, finding: Finding) -> bool:
        if self.fingerprint is not None:
            return finding.fingerprint == self.fingerprint
        if self.check is None or not fnmatch.fnmatchcase(finding.check_id, self.check):
            return False
        if self.operation is None:
            return True
        if finding.operation is None:
            # an API-wide finding has no operation to match, except by the catch-all
            return self.operation.strip() in ("*", "* *")
        return _operation_matches(self.operation, finding.operation.method, finding.operation.path)

    @property
    def label(self) -> str:
        """How a warning names this entry: its fingerprint or its check and operation."""
        if self.fingerprint is not None:
            return f"fingerprint {self.fingerprint}"
        return f"{self.check} {self.operation or '(all operations)'}"


def _operation_matches(pattern: str, method: str, path: str) -> bool:
    """Method compared case-insensitively (RFC 9110 §9.1 says methods are case-sensitive, but
    a user writing `get /x` means GET); the path glob is case-sensitive, like the paths."""
    if pattern.strip() == "*":
        return True
    parsed = _OPERATION_PATTERN.match(pattern.strip())
    if parsed is None:
        return False
    method_glob, path_glob = parsed.groups()
    return fnmatch.fnmatchcase(method.upper(), method_glob.upper()) and fnmatch.fnmatchcase(
        path, path_glob
    )


# --------------------------------------------------------------------------- loading


def load_suppressions(path: Path) -> list[Suppression]:
    """Parse and validate an ignore file; every problem is a `TriageError` naming the entry."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TriageError(f"{name}: cannot read ({exc.strerror or exc})") from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise TriageError(f"{name}: not valid YAML{where}") from exc
    if document is None:
        return []
    if not isinstance(document, dict):
        raise TriageError(f"{name}: expected a mapping with a 'suppressions' list")
    extra = sorted(str(key) for key in document if key != "suppressions")
    if extra:
        raise TriageError(f"{name}: {extra[0]}: unknown key (expected 'suppressions')")
    entries = document.get("suppressions") or []
    if not isinstance(entries, list):
        raise TriageError(f"{name}: suppressions: expected a list")
    return [_parse_entry(entry, f"{name}: suppressions[{i}]") for i, entry in enumerate(entries)]


def _parse_entry(entry: Any, where: str) -> Suppression:
    if not isinstance(entry, dict):
        raise TriageError(f"{where}: expected a mapping")
    for key in entry:
        if key not in _ALLOWED_KEYS:
            raise TriageError(f"{where}.{key}: unknown key (expected one of {_key_list()})")
    reason = _optional_text(entry, "reason", where)
    if reason is None:
        raise TriageError(f"{where}.reason: required")
    fingerprint = _optional_text(entry, "fingerprint", where)
    check = _optional_text(entry, "check", where)
    operation = _optional_text(entry, "operation", where)
    if fingerprint is not None and (check is not None or operation is not None):
        raise TriageError(f"{where}: give either fingerprint or check (+ operation), not both")
    if fingerprint is None and check is None:
        raise TriageError(f"{where}: needs a fingerprint or a check")
    if operation is not None and operation != "*" and not _OPERATION_PATTERN.match(operation):
        raise TriageError(
            f"{where}.operation: expected 'METHOD /path' (globs allowed), got {operation!r}"
        )
    return Suppression(
        reason=reason,
        fingerprint=fingerprint,
        check=check,
        operation=operation,
        expires=_parse_expiry(entry.get("expires"), f"{where}.expires"),
    )


def _optional_text(entry: dict[Any, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise TriageError(f"{where}.{key}: expected a string")
    stripped = value.strip()
    if not stripped:
        raise TriageError(f"{where}.{key}: must not be empty")
    return stripped


def _parse_expiry(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):  # YAML timestamps load as datetime
        return value.date()
    if isinstance(value, dt.date):  # an unquoted YAML date loads as date
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise TriageError(f"{where}: expected a date like 2027-01-31, got {value!r}")


def _key_list() -> str:
    return ", ".join(_ALLOWED_KEYS)


# --------------------------------------------------------------------------- applying


def apply_suppressions(
    findings: Iterable[Finding], suppressions: list[Suppression], today: dt.date
) -> tuple[list[Finding], list[SuppressedFinding]]:
    """Split findings into (still reported, accepted). Expired entries do not apply.

    An expired entry that would have matched is logged as a warning, so the user learns why a
    finding they had accepted fails the build again; `expired_suppressions` lists them all.
    """
    active = [s for s in suppressions if not s.is_expired(today)]
    expired = [s for s in suppressions if s.is_expired(today)]
    kept: list[Finding] = []
    accepted: list[SuppressedFinding] = []
    for finding in findings:
        match = next((s for s in active if s.matches(finding)), None)
        if match is not None:
            expires = match.expires.isoformat() if match.expires else None
            accepted.append(SuppressedFinding(finding, match.reason, expires))
            continue
        kept.append(finding)
        for stale in expired:
            if stale.matches(finding):
                logger.warning(
                    "suppression %s expired on %s; %s is reported again",
                    stale.label,
                    stale.expires,
                    finding.fingerprint,
                )
    return kept, accepted


def expired_suppressions(suppressions: Iterable[Suppression], today: dt.date) -> list[Suppression]:
    """Entries past their expiry date, for the CLI to show as warnings."""
    return [s for s in suppressions if s.is_expired(today)]


# --------------------------------------------------------------------------- baselines


def load_baseline_fingerprints(path: Path) -> frozenset[str]:
    """Fingerprints of the findings a previous JSON report reported.

    Its accepted findings are deliberately left out: they are governed by the suppression file,
    and when that suppression expires or is removed the finding must come back, not hide
    behind the baseline.
    """
    try:
        report = load_json_report(path)
    except ReportLoadError as exc:
        raise TriageError(f"--baseline {exc}") from exc
    return frozenset(entry["fingerprint"] for entry in report.get("findings", []))


def only_new(findings: Iterable[Finding], fingerprints: frozenset[str]) -> list[Finding]:
    """Findings whose fingerprint the baseline does not know, in their original order."""
    return [f for f in findings if f.fingerprint not in fingerprints]
