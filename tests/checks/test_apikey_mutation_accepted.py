"""apikey-mutation-accepted: fires on its lab flaw, silent on the hardened lab."""

from __future__ import annotations

from authsift.checks.apikeys.apikey_mutation_accepted import mutations
from authsift.lab.flaws import LabSettings
from tests.checks.apikey_helpers import family_scan, scan_lab
from tests.checks.apikey_meter import meter_scan
from tests.checks.jwt_helpers import api_wide, assert_silent, outcomes

CHECK = "apikey-mutation-accepted"


def test_fires_on_the_lab_flaw_alone() -> None:
    result = scan_lab(LabSettings.only({CHECK}), [CHECK])
    finding = api_wide(result, CHECK)
    assert finding.severity == "critical" and finding.identity == "alice-ro"
    # the lab compares the first 12 characters only: a change past them goes unnoticed
    assert finding.details["variant"] != "first character changed"


def test_fires_on_the_vulnerable_lab_and_keeps_the_key_out_of_the_report() -> None:
    from authsift.lab.apikeys import demo_environment
    from authsift.reports.json_report import report_dict

    result = family_scan("vulnerable")
    api_wide(result, CHECK)
    key = demo_environment(LabSettings.vulnerable())["AUTHSIFT_LAB_ALICE_READ_KEY"]
    text = str(report_dict(result))
    assert key not in text and key.swapcase() not in text


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert any(o.startswith("passed") for o in outcomes(result, CHECK).values()), outcomes(
        result, CHECK
    )


def test_mutations_never_include_the_key_and_pad_only_outside_headers() -> None:
    key = "lab_AbC123xyz"
    header = mutations(key, "header")
    assert key not in {v for _, v in header}
    assert all(not v.startswith(" ") for _, v in header)
    assert any(v == f" {key} " for _, v in mutations(key, "query"))
    assert {"", "null", "undefined", "0", "*", "true"} <= {v for _, v in header}


def test_silent_on_a_whole_key_hash_lookup() -> None:
    """A stdlib API that hashes the whole key: every alteration is refused, in both modes."""
    for hardened in (False, True):
        result = meter_scan(hardened=hardened)
        assert_silent(result, CHECK)
        assert any(o.startswith("passed") for o in outcomes(result, CHECK).values())
