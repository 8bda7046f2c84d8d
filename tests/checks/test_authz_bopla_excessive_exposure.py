"""authz-bopla-excessive-exposure on the lab: `GET /orgs/{org}/projects` returns raw records
(another user's account, an internal budget); nothing else is reported, and the hardened twin is
clean. Unit tests of the credential-material rule: key name *and* secret-shaped value."""

from __future__ import annotations

from authsift.checks.authz._exposure import credential_material, is_credential_key, undeclared
from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread
from tests.checks.authz_helpers import (
    findings_of,
    fired_on,
    outcomes_of,
    passed_on,
    scan_lab_report,
    scan_lab_result,
)

CHECK = "authz-bopla-excessive-exposure"
BCRYPT = "$2b$12$" + "a" * 53
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXBhcnQ"


def test_fires_on_raw_project_records_only() -> None:
    settings = LabSettings.vulnerable()
    with run_in_thread(settings) as url:
        report = scan_lab_report(url, settings, [CHECK])
    assert fired_on(report, CHECK) == {"GET /orgs/{org}/projects"}
    finding = findings_of(report, CHECK)[0]
    assert finding["severity"] == "high"
    assert any(
        "created_by_user.email" in item for item in finding["details"]["other_accounts_data"]
    )
    assert any(
        "internal_budget_cents" in item for item in finding["details"]["undeclared_sensitive"]
    )


def test_silent_on_the_hardened_twin() -> None:
    settings = LabSettings.hardened_twin()
    with run_in_thread(settings) as url:
        report, result = scan_lab_result(url, settings, [CHECK])
    assert fired_on(report, CHECK) == set()
    # it decided on the listing that leaks raw records on the vulnerable lab
    passed = passed_on(result, CHECK)
    assert {"GET /orgs/{org}/projects", "GET /me"} <= passed, outcomes_of(result, CHECK)


def test_credential_material_needs_key_and_secret_shaped_value() -> None:
    body = {
        "password_hash": BCRYPT,
        "token_type": "Bearer",
        "password_version": 3,
        "api_key_prefix": "lab_0100",
        "access_token": JWT,
        "password": "********",
        "secret": "short",
        "items": [{"refresh_token": "Zk3q9XbV2mPw8LrT5yHc1NsD"}],
    }
    found = {e.path: e.why for e in credential_material(body, frozenset())}
    assert found == {
        "$.password_hash": "a password hash or digest",
        "$.access_token": "a JWT",
        "$.items[0].refresh_token": "a high-entropy secret",
    }
    # the caller's own credential echoed back is not exposure
    assert [e.path for e in credential_material({"access_token": JWT}, frozenset({JWT}))] == []
    assert not is_credential_key("token_type") and not is_credential_key("client_secret_expires_at")
    assert is_credential_key("clientSecret") and is_credential_key("mfa_secret")


def test_undeclared_follows_arrays_and_combinators() -> None:
    schema = {
        "type": "array",
        "items": {
            "anyOf": [
                {"type": "object", "properties": {"id": {"type": "integer"}}},
                {"type": "object", "properties": {"name": {"type": "string"}}},
            ]
        },
    }
    extra = undeclared([{"id": 1, "name": "x", "budget": 5}], schema)
    assert [(e.path, e.key) for e in extra] == [("$[0].budget", "budget")]
    assert undeclared({"anything": 1}, {"type": "object"}) == []  # free-form: nothing is extra
