"""Scan a real lab with the bundled config and the api-key checks (apikey family tests).

One vulnerable and one hardened scan per test process, shared by the per-check test modules
(like `jwt_helpers.family_scan`); single-flaw labs are started by the tests that need them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from authsift.checks.apikeys import apikey_revocation_ineffective as revocation
from authsift.checks.base import registry
from authsift.lab.flaws import LabSettings
from authsift.model import ScanResult
from tests.checks.jwt_helpers import lab, scan

APIKEY_CHECKS = (
    "apikey-sole-user-auth",
    "apikey-mutation-accepted",
    "apikey-low-entropy",
    "apikey-over-privileged",
    "apikey-revocation-ineffective",
    "transport-credentials-in-query-accepted",
)


def scan_lab(settings: LabSettings, checks: Sequence[str] = APIKEY_CHECKS) -> ScanResult:
    """The lab with `settings`, scanned intrusively with `checks` (the lab is disposable)."""
    known = [c for c in checks if c in registry()]
    with lab(settings) as target:
        return scan(target, known, **{"checks.intrusive": True})


@contextmanager
def short_replay_window() -> Iterator[None]:
    """apikey-revocation-ineffective replays at 0, 0.5 and 1 s instead of 0, 5 and 60 s (the
    real window is tested once, in a slow test)."""
    saved = revocation.REPLAY_AT
    revocation.REPLAY_AT = (0.0, 0.5, 1.0)
    try:
        yield
    finally:
        revocation.REPLAY_AT = saved


@functools.cache
def family_scan(kind: str) -> ScanResult:
    """Every api-key check against the all-flaws lab ("vulnerable") or its hardened twin, with
    the short revocation window."""
    settings = LabSettings.vulnerable() if kind == "vulnerable" else LabSettings.hardened_twin()
    with short_replay_window():
        return scan_lab(settings)
