"""apikey-low-entropy: fires on its lab flaw, silent on the hardened lab; the pure rules."""

from __future__ import annotations

import base64
import secrets

import pytest

from authsift.checks.apikeys._entropy import assess, vendor_prefix
from authsift.lab.flaws import LabSettings
from tests.checks.apikey_helpers import family_scan, scan_lab
from tests.checks.apikey_meter import meter_scan
from tests.checks.jwt_helpers import api_wide, assert_silent, outcomes

CHECK = "apikey-low-entropy"


def test_fires_on_the_lab_flaw_alone() -> None:
    result = scan_lab(LabSettings.only({CHECK}), [CHECK])
    finding = api_wide(result, CHECK)
    assert finding.severity == "high" and finding.details["bits_upper_bound"] < 64
    assert result.stats.requests < 40  # passive: only what preflight sends


def test_fires_on_the_vulnerable_lab() -> None:
    api_wide(family_scan("vulnerable"), CHECK)


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert any(o.startswith("passed") for o in outcomes(result, CHECK).values()), outcomes(
        result, CHECK
    )


def _strong() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("keys", "structure"),
    [
        (["lab_01000001", "lab_02000003"], "identical"),
        (["acme_k_000123_ab", "acme_k_000124_ab"], "sequential"),
        (["c232ab00-9414-11ec-b3c8-9f6bdeced846"], "UUID version 1"),
        ([base64.b64encode(b"user:42:alice@example.com").decode()], "readable"),
        (["key-1733400000123"], "timestamp"),
    ],
)
def test_predictable_structure(keys: list[str], structure: str) -> None:
    assert any(structure in s for s in assess(keys).structure), assess(keys)


def test_random_keys_pass_and_short_keys_do_not() -> None:
    strong = assess(["sk_live_" + _strong(), "sk_live_" + _strong()])
    assert strong.bits >= 128 and strong.structure == ()
    assert assess([secrets.token_hex(32)]).bits >= 128
    assert assess(["9c5b94b1-35ad-49bb-b118-8e8fc24abf80"]).structure == ()
    assert 64 <= assess([secrets.token_hex(12)]).bits < 128  # 96 bits: medium
    assert assess(["12345678"]).bits < 64


def test_one_short_hex_key_is_ambiguous() -> None:
    found = assess(["a1b2c3d4e5f6a7b8c9"])  # 18 hex characters: hex 72 bits, base36 93 bits
    assert not found.ambiguous  # both medium
    found = assess(["a1b2c3d4e5f6a"])  # 13 characters: hex 52 bits (high), base36 67 (medium)
    assert found.alphabet == "hexadecimal or base36" and found.ambiguous


def test_vendor_prefix() -> None:
    assert vendor_prefix(["lab_01", "lab_02"]) == "lab_"
    assert vendor_prefix(["sk_live_ab", "sk_live_cd"]) == "sk_live_"
    assert vendor_prefix(["sk_live_ab"]) == "sk_"
    assert vendor_prefix(["plainkey"]) == ""


def test_silent_on_strong_keys_of_two_formats() -> None:
    """mtr_ + 256 bits base64url and pk_ + 64 hex characters: no finding, no shared structure."""
    result = meter_scan(hardened=False)
    assert_silent(result, CHECK)
    assert any(o.startswith("passed") for o in outcomes(result, CHECK).values())
