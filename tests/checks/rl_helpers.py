"""The rate-limiting checks against the all-flaws lab and its hardened twin, scanned once per
test process (noisy checks on, `abuse.max_attempts` 30, no abuse.account: the lab has no
throwaway user, so the guesses go to names that do not exist)."""

from __future__ import annotations

import functools

from authsift.lab.flaws import LabSettings
from authsift.model import ScanResult
from tests.checks.jwt_helpers import lab, scan

RL_CHECKS = (
    "rl-login-bruteforce-account",
    "rl-credential-stuffing-spray",
    "rl-bypass-forwarded-headers",
    "rl-bypass-request-variants",
)


@functools.cache
def rl_scan(kind: str) -> ScanResult:
    settings = LabSettings.vulnerable() if kind == "vulnerable" else LabSettings.hardened_twin()
    with lab(settings) as target:
        return scan(
            target,
            RL_CHECKS,
            # without the lab config's throwaway (erin): these tests prove the non-existent-name
            # path; the abuse.account path is proven on small test apps and by the scoreboard
            **{
                "checks.intrusive": True,
                "abuse.max_attempts": 30,
                "abuse.account": None,
                "limits.rate": 500,
            },
        )
