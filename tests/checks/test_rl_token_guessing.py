"""rl-token-guessing: real scans of the lab (`POST /oauth/introspect` without client
authentication) and of the gym API on 127.0.0.1 (`POST /v1/tokens/inspect`, form-encoded),
each flawed and hardened."""

from __future__ import annotations

from authsift.lab.flaws import LabSettings
from authsift.model import ScanResult
from tests.checks import rl_gym_api as gym_api
from tests.checks.jwt_helpers import errors, findings_of, lab, outcomes, scan
from tests.checks.scanning import scan_app_in_process

CHECK = "rl-token-guessing"
NOISY = {"checks.intrusive": True, "checks.noisy": True}


def _lab(settings: LabSettings) -> ScanResult:
    with lab(settings) as target:
        return scan(target, [CHECK], **NOISY)


def _gym(flaws: frozenset[str]) -> ScanResult:
    result, _ = scan_app_in_process(
        gym_api.make_app(gym_api.Gym(flaws=flaws)),
        gym_api.spec(),
        gym_api.config,
        {},
        CHECK,
        {"checks": {"include": [CHECK], "intrusive": True, "noisy": True}},
    )
    return result


def test_fires_on_the_lab_flaw_alone() -> None:
    result = _lab(LabSettings.only({CHECK}))
    [finding] = findings_of(result, CHECK)
    assert finding.operation is not None and finding.operation.key == "POST /oauth/introspect"
    assert finding.details == {"guesses": 50, "throttled": False}
    assert "no throttling observed up to 50" in finding.description
    assert errors(result) == []


def test_silent_on_the_hardened_lab() -> None:
    result = _lab(LabSettings.hardened_twin())
    assert findings_of(result, CHECK) == []
    assert outcomes(result, CHECK)["POST /oauth/introspect"].startswith("passed")


def test_the_gym_inspection_endpoint() -> None:
    flawed = _gym(frozenset({"introspect-open"}))
    assert [f.operation.key for f in findings_of(flawed, CHECK) if f.operation] == [
        "POST /v1/tokens/inspect"
    ]
    hardened = _gym(frozenset())
    assert findings_of(hardened, CHECK) == []
    assert outcomes(hardened, CHECK)["POST /v1/tokens/inspect"].startswith("passed")


def test_guesses_stay_within_max_attempts() -> None:
    with lab(LabSettings.only({CHECK})) as target:
        result = scan(target, [CHECK], **NOISY, **{"abuse.max_attempts": 12})
    [finding] = findings_of(result, CHECK)
    assert finding.details["guesses"] == 8  # 12 less the four oracle probes
