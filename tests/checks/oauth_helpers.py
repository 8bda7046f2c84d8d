"""Scan the lab's authorization server (`/idp`) with the oauth- checks (one scan per kind).

The bundled lab config's `oauth:` section names its two registered clients and alice as the
test user; each scan runs the real pipeline against a lab in a thread and returns the ScanResult.
"""

from __future__ import annotations

import functools

from authsift.checks.base import registry
from authsift.lab.flaws import LabSettings
from authsift.model import Family, ScanResult
from tests.checks.jwt_helpers import lab, scan


def oauth_check_ids() -> tuple[str, ...]:
    return tuple(sorted(cid for cid, cls in registry().items() if cls.family is Family.OAUTH))


@functools.cache
def family_scan(kind: str) -> ScanResult:
    """Every oauth check against the all-flaws lab ("vulnerable") or its hardened twin."""
    settings = LabSettings.vulnerable() if kind == "vulnerable" else LabSettings.hardened_twin()
    with lab(settings) as target:
        return scan(target, oauth_check_ids())
