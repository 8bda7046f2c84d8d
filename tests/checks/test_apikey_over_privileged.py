"""apikey-over-privileged: fires on its lab flaw, silent on the hardened lab; the no-op
re-submission leaves the object as it was."""

from __future__ import annotations

from authsift.lab.flaws import LabSettings
from tests.checks.apikey_helpers import family_scan, scan_lab
from tests.checks.apikey_meter import meter_scan
from tests.checks.jwt_helpers import assert_silent, findings_of, outcomes

CHECK = "apikey-over-privileged"


def test_fires_on_the_lab_flaw_alone() -> None:
    result = scan_lab(LabSettings.only({CHECK}), [CHECK])
    found = findings_of(result, CHECK)
    assert [f.operation.key for f in found if f.operation] == ["POST /orgs/{org}/projects"], (
        outcomes(result, CHECK)
    )
    finding = found[0]
    assert finding.identity == "alice-ro" and finding.details["variant"] == "scope"
    assert finding.details["status"] == 409  # the lab enforces unique slugs: nothing was written


def test_fires_on_the_vulnerable_lab_scope_and_tenant() -> None:
    found = findings_of(family_scan("vulnerable"), CHECK)
    assert any(f.details["variant"] == "scope" for f in found), found
    # alice's read key reads bob's order (the lab's object-level flaw, through a key): the
    # owner comes from the authz inventory (bob's seeds), never from the key's own access
    tenant = [f for f in found if f.details["variant"] == "tenant"]
    assert [(f.identity, f.victim) for f in tenant] == [("alice-ro", "bob")], tenant


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert outcomes(result, CHECK)["POST /orgs/{org}/projects"].startswith("passed"), outcomes(
        result, CHECK
    )


def test_meter_read_only_key_creating_an_alert() -> None:
    """A stdlib API with server-assigned ids: the canary create, read back and deleted."""
    result = meter_scan(hardened=False)
    found = findings_of(result, CHECK)
    assert [(f.operation.key if f.operation else None, f.details["variant"]) for f in found] == [
        ("POST /v2/alerts", "scope")
    ]
    assert "leftovers" not in result.extras
    hardened = meter_scan(hardened=True)
    assert_silent(hardened, CHECK)
    assert outcomes(hardened, CHECK)["POST /v2/alerts"].startswith("passed")
