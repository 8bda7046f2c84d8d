"""rl-user-enum-response: real scans of the lab (web and mobile login) and of a small gym API on
127.0.0.1 (tests/checks/rl_gym_api.py: e-mail logins, sign-up, reset and lookup endpoints).
It fires where existing and unknown accounts are answered apart, stays silent on the uniform
decoy and on the hardened twins, and never fails more than 3 logins per configured name."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from authsift.checks.ratelimit._enum_targets import kind_of
from authsift.lab.flaws import LabSettings
from authsift.model import Operation, Parameter, ParamLocation, ScanResult
from tests.checks import rl_gym_api as gym_api
from tests.checks.jwt_helpers import errors, findings_of, lab, outcomes, scan
from tests.checks.scanning import scan_app_in_process

CHECK = "rl-user-enum-response"
NOISY = {"checks.intrusive": True, "checks.noisy": True}
ENUM_FLAWS = frozenset({"login-enum", "reset-enum", "signup-enum", "lookup-enum"})


def _lab(settings: LabSettings) -> ScanResult:
    with lab(settings) as target:
        return scan(target, [CHECK], **NOISY)


def _gym(gym: gym_api.Gym, **overrides: Any) -> tuple[ScanResult, dict[str, Any]]:
    return scan_app_in_process(
        gym_api.make_app(gym),
        gym_api.spec(),
        gym_api.config,
        {},
        CHECK,
        {"checks": {"include": [CHECK], "intrusive": True, "noisy": True}, **overrides},
    )


def _fired(result: ScanResult) -> set[str]:
    return {f.details["endpoint"] for f in findings_of(result, CHECK)}


def test_fires_on_the_lab_flaw_alone() -> None:
    result = _lab(LabSettings.only({CHECK}))
    assert _fired(result) == {"POST /auth/login", "POST /auth/mobile/login"}, outcomes(
        result, CHECK
    )
    finding = findings_of(result, CHECK)[0]
    assert finding.severity == "medium" and "status" in finding.details["features"]
    assert "unknown_user" in finding.description
    assert errors(result) == []


def test_silent_on_the_hardened_lab() -> None:
    result = _lab(LabSettings.hardened_twin())
    assert findings_of(result, CHECK) == []
    assert outcomes(result, CHECK)["POST /auth/login"].startswith("passed")


@pytest.fixture(scope="module")
def flawed_gym() -> tuple[gym_api.Gym, ScanResult]:
    gym = gym_api.Gym(flaws=ENUM_FLAWS)
    result, _ = _gym(gym)
    return gym, result


def test_every_enumerating_gym_endpoint_is_found(
    flawed_gym: tuple[gym_api.Gym, ScanResult],
) -> None:
    gym, result = flawed_gym
    assert _fired(result) == {
        "POST /v1/auth/sign-in",
        "POST /v1/auth/forgot-password",
        "POST /v1/members",
        "GET /v1/members/exists",
    }, outcomes(result, CHECK)
    by_endpoint = {f.details["endpoint"]: f for f in findings_of(result, CHECK)}
    assert by_endpoint["POST /v1/members"].severity == "low"  # "name taken" at sign-up
    assert by_endpoint["GET /v1/members/exists"].details["features"] == ["body"]
    # the uniform decoy was tested and passed
    assert outcomes(result, CHECK)["POST /v1/auth/recover-username"].startswith("passed")
    # the random X-Gym-Trace value never counts as a difference
    assert all("x-gym-trace" not in f.details["features"] for f in findings_of(result, CHECK))
    # sign-ups with non-existent names created at most five canaries, on example.com only...
    created = set(gym.members) - set(gym_api.PASSWORDS)
    assert 0 < len(created) <= 5 and all(e.endswith("@gym.example") for e in created)


def test_configured_identities_stay_below_the_lockout_cap(
    flawed_gym: tuple[gym_api.Gym, ScanResult],
) -> None:
    gym, _ = flawed_gym
    wrong = Counter(e for e in gym.failed_sign_ins if e in gym_api.PASSWORDS)
    assert wrong and max(wrong.values()) <= 3, wrong
    assert set(wrong) <= {"mara@gym.example", "theo@gym.example"}


def test_silent_on_the_hardened_gym() -> None:
    gym = gym_api.Gym()
    result, _ = _gym(gym)
    assert findings_of(result, CHECK) == []
    passed = [k for k, v in outcomes(result, CHECK).items() if v.startswith("passed")]
    assert {"POST /v1/auth/sign-in", "POST /v1/auth/forgot-password", "POST /v1/members"} <= set(
        passed
    ), outcomes(result, CHECK)


def test_with_a_throwaway_the_identities_get_no_failures() -> None:
    gym = gym_api.Gym(flaws=frozenset({"login-enum"}))
    result, _ = _gym(gym, abuse={"account": gym_api.THROWAWAY})
    assert "POST /v1/auth/sign-in" in _fired(result)
    known = {e for e in gym.failed_sign_ins if e in gym_api.PASSWORDS}
    assert known == {"spare@gym.example"}, Counter(gym.failed_sign_ins)


def test_the_names_come_from_the_config_when_the_profile_names_no_one() -> None:
    """A profile that shows no e-mail (turnstile's, many others') leaves the scan the names its
    config logs in with: the enumerating sign-in is still found, with no more than three
    failures per configured name."""
    gym = gym_api.Gym(flaws=frozenset({"login-enum"}), profile_shows_email=False)
    result, _ = _gym(gym)
    assert "POST /v1/auth/sign-in" in _fired(result), outcomes(result, CHECK)
    wrong = Counter(e for e in gym.failed_sign_ins if e in gym_api.PASSWORDS)
    assert wrong and max(wrong.values()) <= 3, wrong


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/api/logins/{login}/availability", "lookup"),
        ("/v1/members/exists", "lookup"),
        ("/users/{username}/", None),  # a public author page shows the account by design
        ("/accounts/{username}", None),
    ],
)
def test_a_lookup_asks_whether_an_account_exists_a_profile_page_does_not(
    path: str, kind: str | None
) -> None:
    where = ParamLocation.PATH if "{" in path else ParamLocation.QUERY
    name = path.split("{")[1].split("}")[0] if "{" in path else "email"
    op = Operation("GET", path, parameters=(Parameter(name, where, True),), security=())
    assert kind_of(op) == kind


def test_the_cap_of_wrong_passwords_is_reserved_whole_or_not_at_all() -> None:
    """Probes of three logins start together: the first two get all their rounds, the third
    is told the cap is spent, instead of each getting two of the three it needs (turnstile)."""
    from types import SimpleNamespace

    from authsift.checks.ratelimit._enum_targets import IDENTITY_FAILURES, reserve_failures

    ctx: Any = SimpleNamespace(shared={}, facts=SimpleNamespace(settings={"abuse": {}}))
    names = ["ivy@turnstile.example", "max@turnstile.example"]
    first, second = reserve_failures(ctx, names, 3), reserve_failures(ctx, names, 3)
    assert first is not None and second is not None
    assert reserve_failures(ctx, names, 3) is None
    used = ctx.shared["ratelimit.identity_failures"]
    assert used == {name: IDENTITY_FAILURES for name in names}  # never more than the cap
    spare: Any = SimpleNamespace(
        shared={}, facts=SimpleNamespace(settings={"abuse": {"account": {"username": "spare"}}})
    )
    assert reserve_failures(spare, ["spare"], 5) == ["spare"] * 5  # the throwaway is not capped
