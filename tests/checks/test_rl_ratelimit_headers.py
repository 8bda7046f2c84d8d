"""rl-ratelimit-headers: real scans of the lab (draft-03 syntax under the final field names,
429 without Retry-After) and of the gym API on 127.0.0.1 (its own malformed fields; its
hardened twin limits after 8 failures with well-formed fields and Retry-After), plus the pure
field reader on the shapes seen in the wild."""

from __future__ import annotations

from authsift.checks.ratelimit._ratelimit_fields import read, retry_after_problem
from authsift.lab.flaws import LabSettings
from authsift.model import HttpResponse, ScanResult
from tests.checks import rl_gym_api as gym_api
from tests.checks.jwt_helpers import errors, findings_of, lab, outcomes, scan
from tests.checks.scanning import scan_app_in_process

CHECK = "rl-ratelimit-headers"
NOISY = {"checks.intrusive": True, "checks.noisy": True}


def _lab(settings: LabSettings) -> ScanResult:
    with lab(settings) as target:
        return scan(target, [CHECK], **NOISY)


def _gym(flaws: frozenset[str]) -> tuple[gym_api.Gym, ScanResult]:
    gym = gym_api.Gym(flaws=flaws)
    result, _ = scan_app_in_process(
        gym_api.make_app(gym),
        gym_api.spec(),
        gym_api.config,
        {},
        CHECK,
        {"checks": {"include": [CHECK], "intrusive": True, "noisy": True}},
    )
    return gym, result


def test_fires_on_the_lab_flaw_alone() -> None:
    result = _lab(LabSettings.only({CHECK}))
    found = {f.operation.key: f for f in findings_of(result, CHECK) if f.operation}
    assert set(found) == {"POST /auth/login", "POST /auth/mobile/login"}, outcomes(result, CHECK)
    issues = found["POST /auth/mobile/login"].details["issues"]
    assert any("not a Structured Field list" in i for i in issues)
    assert "a 429 without Retry-After" in issues
    assert errors(result) == []


def test_silent_on_the_hardened_lab() -> None:
    result = _lab(LabSettings.hardened_twin())
    assert findings_of(result, CHECK) == []
    assert outcomes(result, CHECK)["POST /auth/mobile/login"].startswith("passed")


def test_the_gym_sign_in() -> None:
    gym, flawed = _gym(frozenset({"ratelimit-malformed"}))
    [finding] = findings_of(flawed, CHECK)
    assert "a 429 without Retry-After" in finding.details["issues"]
    assert set(gym.failed_sign_ins).isdisjoint(gym_api.PASSWORDS)  # unknown names only
    _, hardened = _gym(frozenset({"limiter"}))
    assert findings_of(hardened, CHECK) == []
    assert outcomes(hardened, CHECK)["POST /v1/auth/sign-in"].startswith("passed")
    _, silent = _gym(frozenset())  # no signalling at all: the brute-force checks' question
    assert findings_of(silent, CHECK) == []


def _read(*headers: tuple[str, str]) -> list[str]:
    return read(HttpResponse(200, headers)).problems


def test_the_field_reader() -> None:
    assert _read(("RateLimit-Policy", '"day";q=1000;w=86400, "burst";q=10;w=1')) == []
    assert _read(("RateLimit", '"burst";r=3;t=1')) == []
    assert _read(("RateLimit", "burst;r=3"))  # a Token, not a String
    assert _read(("RateLimit", '"burst";t=3'))  # r is required
    assert _read(("RateLimit-Policy", '"day";q=10;w=0'))  # the window must be positive
    assert _read(("X-RateLimit-Limit", "100"), ("X-RateLimit-Remaining", "99")) == []
    assert _read(("X-RateLimit-Limit", "100"), ("X-RateLimit-Remaining", "101"))
    assert _read(("RateLimit-Remaining", "soon"))
    assert read(HttpResponse(200, (("RateLimit", '"p";r=4;t=9'),))).remaining == 4
    assert retry_after_problem(HttpResponse(429, (("Retry-After", "120"),))) is None
    date = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert retry_after_problem(HttpResponse(429, (("Retry-After", date),))) is None
    assert retry_after_problem(HttpResponse(429)) == "a 429 without Retry-After"
