"""Scan the lab with the transport checks (and a few probes whose traffic the reviews judge).

Each scan runs the real pipeline against a real lab on 127.0.0.1; one scan per (kind, process).
"""

from __future__ import annotations

import functools

from authsift.lab.flaws import LabSettings
from authsift.model import Finding, ScanResult
from tests.checks.jwt_helpers import lab, scan

TRANSPORT_CHECKS = (
    "transport-credential-exposure",
    "transport-cors-credentialed-reflection",
    "transport-token-response-cacheable",
    "transport-www-authenticate-conformance",
    "transport-cleartext-credentials",
)
# probes whose requests (other users' ids, junk and forged tokens) the reviews then judge
TRAFFIC = ("authz-bola-read", "authz-unauthenticated-access", "jwt-alg-none")


@functools.cache
def transport_scan(kind: str) -> ScanResult:
    """ "vulnerable" (every flaw), "hardened", or one flaw id alone."""
    if kind == "vulnerable":
        settings = LabSettings.vulnerable()
    elif kind == "hardened":
        settings = LabSettings.hardened_twin()
    else:
        settings = LabSettings.only({kind})
    with lab(settings) as target:
        return scan(target, [*TRANSPORT_CHECKS, *TRAFFIC])


def of(result: ScanResult, check_id: str) -> list[Finding]:
    return [f for f in result.findings if f.check_id == check_id]
