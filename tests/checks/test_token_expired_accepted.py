"""token-expired-accepted: fires on its lab flaw, silent on the hardened lab
(real scans of the lab, see jwt_helpers)."""

from __future__ import annotations

from tests.checks.jwt_helpers import (
    RECOVERING_CHECKS,
    api_wide,
    assert_silent,
    family_scan,
    outcomes,
)

CHECK = "token-expired-accepted"


def test_fires_on_the_lab_flaw() -> None:
    result = family_scan("vulnerable")
    finding = api_wide(result, CHECK)
    assert finding.family == "token" and finding.severity == "high"
    assert finding.details["recovered_by"] in RECOVERING_CHECKS
    assert "exp" in finding.details["variant"]


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert "needs an expired token" in outcomes(result, CHECK)["GET /me"]


def _expired_token(url: str) -> str:
    import json
    import urllib.request

    request = urllib.request.Request(
        url + "/_lab/tokens",
        data=json.dumps({"username": "alice", "lifetime": -600}).encode(),
        headers={"Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request) as response:
        return str(json.load(response)["access_token"])


def test_an_operator_supplied_expired_token_is_tested_and_kept_out_of_reports() -> None:
    """The plain probe of CHECKS #31 (b): `jwt.expired_tokens` in the config."""
    from authsift.lab.flaws import LabSettings
    from authsift.reports.json_report import report_dict
    from tests.checks.jwt_helpers import lab, scan

    for settings, fires in (
        (LabSettings.only({CHECK}), True),
        (LabSettings.hardened_twin(), False),
    ):
        with lab(settings) as target:
            expired = _expired_token(target[0])
            result = scan(target, [CHECK], **{"jwt.expired_tokens": {"alice": [expired]}})
        found = [f for f in result.findings if f.check_id == CHECK]
        assert bool(found) is fires, (settings, [f.description for f in found])
        if not fires:  # with an expired token at hand it decides, on the hardened twin too
            assert outcomes(result, CHECK)["GET /me"].startswith("passed"), outcomes(result, CHECK)
        assert expired not in str(report_dict(result))  # redacted as $ALICE_EXPIRED_TOKEN
