"""apikey-sole-user-auth: fires on its lab flaw, silent on the hardened lab."""

from __future__ import annotations

from authsift.checks.apikeys.apikey_sole_user_auth import expires
from authsift.lab.flaws import LabSettings
from tests.checks.apikey_helpers import family_scan, scan_lab
from tests.checks.apikey_meter import meter_scan
from tests.checks.jwt_helpers import api_wide, assert_silent, findings_of, outcomes

CHECK = "apikey-sole-user-auth"


def test_fires_on_the_lab_flaw_alone() -> None:
    result = scan_lab(LabSettings.only({CHECK}), [CHECK])
    finding = api_wide(result, CHECK)
    assert finding.identity == "alice-ro" and finding.details["user"] == "alice"
    assert finding.severity == "high"  # a read-only key may not mint keys on this lab
    assert finding.details["minted_key"] is False


def test_fires_on_the_vulnerable_lab_critical_when_the_key_mints_a_key() -> None:
    result = family_scan("vulnerable")
    finding = api_wide(result, CHECK)
    assert finding.severity == "critical" and finding.details["minted_key"] is True
    assert "leftovers" not in result.extras  # the minted key was revoked


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert any(o.startswith("passed") for o in outcomes(result, CHECK).values()), outcomes(
        result, CHECK
    )


def test_a_jwt_with_exp_is_not_static() -> None:
    assert expires("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2ln")
    assert not expires("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln")
    assert not expires("lab_0123456789abcdef")


def test_meter_profile_by_key_found_machine_data_not() -> None:
    """A stdlib API: the key reads the owner's profile (flawed) or is refused there (hardened);
    its readings and the embed widget answer keys with machine data only."""
    flawed = findings_of(meter_scan(hardened=False), CHECK)
    assert [(f.identity, f.details["user"]) for f in flawed] == [("reporting", "olga")]
    hardened = meter_scan(hardened=True)
    assert_silent(hardened, CHECK)
    assert outcomes(hardened, CHECK)["GET /v2/embed"].startswith("passed")
