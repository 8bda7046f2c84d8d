"""transport-credentials-in-query-accepted: fires on its lab flaw, silent on the hardened lab."""

from __future__ import annotations

from authsift.checks.transport.transport_credentials_in_query_accepted import junk_like, with_query
from authsift.lab.flaws import LabSettings
from tests.checks.apikey_helpers import family_scan, scan_lab
from tests.checks.apikey_meter import meter_scan
from tests.checks.jwt_helpers import assert_silent, findings_of, outcomes

CHECK = "transport-credentials-in-query-accepted"


def test_fires_on_the_lab_flaw_alone_once_per_kind_of_credential() -> None:
    result = scan_lab(LabSettings.only({CHECK}), [CHECK])
    found = findings_of(result, CHECK)
    assert {(f.identity, f.details["parameter"], f.title) for f in found} == {
        ("alice", "access_token", "Access token accepted in the URL query"),
        ("alice-ro", "api_key", "API key accepted in the URL query"),
    }, outcomes(result, CHECK)
    assert all(f.operation is None and f.severity == "medium" for f in found)
    assert all("?" in f.evidence[-1].exchange.request.url for f in found)


def test_fires_on_the_vulnerable_lab() -> None:
    assert len(findings_of(family_scan("vulnerable"), CHECK)) == 2


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert any(o.startswith("passed") for o in outcomes(result, CHECK).values()), outcomes(
        result, CHECK
    )


def test_query_helpers() -> None:
    assert with_query("http://h/p?a=1&token=old", "token", "new") == "http://h/p?a=1&token=new"
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"
    junk = junk_like(jwt)
    assert junk.startswith("eyJhbGciOiJIUzI1NiJ9.") and junk != jwt and junk.count(".") == 2
    assert len(junk_like("abc")) == 8


def test_meter_key_in_query_found_and_the_documented_query_key_left_alone() -> None:
    """A stdlib API: its account key works in `?key=`; its publishable embed key is documented
    `in: query` and configured there, so it is never moved or reported."""
    flawed = findings_of(meter_scan(hardened=False), CHECK)
    assert [(f.identity, f.details["parameter"]) for f in flawed] == [("reporting", "key")]
    hardened = meter_scan(hardened=True)
    assert_silent(hardened, CHECK)
    assert any(o.startswith("passed") for o in outcomes(hardened, CHECK).values())
