"""authz-bopla-mass-assignment at sign-up on a notes-style API (issue 8, NT-05): a form login
that sets a session cookie, `{"ok": …, "user": {...}}` envelopes, a user-name pattern the default
canary spelling breaks, a JSON or a form sign-up.

The vulnerable sign-up (the body's `role` lands on the account) fires with the escalated canary's
`GET /me` and the moderators' function as proof; the hardened twin passes after sign-ups with
`role: moderator` demonstrably reached it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from authsift.checks.authz._canary_accounts import new_account
from authsift.checks.authz._privilege_values import escalations
from authsift.cli import app
from authsift.model import Operation, RequestBody
from tests.apps.toy_api import serve_in_thread
from tests.checks import authz_cookie_signup_api as notes
from tests.checks.authz_helpers import findings_of, fired_on
from tests.conftest import write_yaml

CHECK = "authz-bopla-mass-assignment"


@pytest.fixture(autouse=True)
def _passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in notes.PASSWORD_ENV.items():
        monkeypatch.setenv(name, value)


def _scan(tmp_path: Path, state: notes.CookieState) -> dict[str, Any]:
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(notes.spec(state)))
    with serve_in_thread(notes.make_app(state)) as url:
        config = notes.config(url, str(spec_path)) | {"report": {"formats": ["json"]}}
        path = write_yaml(tmp_path / "authsift.yaml", config)
        out = tmp_path / "report.json"
        result = CliRunner().invoke(app, ["scan", "-c", str(path), "-o", str(out), "--quiet"])
        assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(out.read_text())
    assert not [t for t in report["errors"] if t["check"] == CHECK], report["errors"]
    return report


def _reason(report: dict[str, Any], operation: str) -> str | None:
    for task in report["inconclusive"] + report["not_run"]:
        key = f"{task['operation']['method']} {task['operation']['path']}"
        if task["check"] == CHECK and key == operation:
            return str(task["reason"])
    return None


@pytest.mark.parametrize("form", [False, True], ids=["json-signup", "form-signup"])
def test_signup_binding_role_fires_through_form_login_cookie_and_envelope(
    tmp_path: Path, form: bool
) -> None:
    state = notes.CookieState(bind=True, signup_form=form)
    report = _scan(tmp_path, state)
    assert fired_on(report, CHECK) == {"POST /signup"}, report["inconclusive"]
    finding = findings_of(report, CHECK)[0]
    assert finding["severity"] == "critical"
    assert finding["details"]["read_back"] == {"role": "GET /me"}
    assert finding["details"]["granted_operations"] == ["GET /admin/reports"]
    assert "role=moderator" in finding["description"]
    # the canaries' user names fit the pattern (the default spelling is refused with 400)
    assert state.signups and all(
        len(s["username"]) <= 20 and s["username"].startswith("authsift") for s in state.signups
    )
    # the canary's password and session cookie never reach the report
    text = json.dumps(report)
    assert not any(s["password"] in text for s in state.signups)
    assert not any(sid in text for sid in state.sessions)
    assert state.users["ana"]["role"] == "user"


def test_hardened_signup_passes_after_the_probe_ran(tmp_path: Path) -> None:
    state = notes.CookieState(bind=False)
    report = _scan(tmp_path, state)
    assert fired_on(report, CHECK) == set()
    assert _reason(report, "POST /signup") is None  # decided: passed, not inconclusive
    assert [s for s in state.signups if s.get("role") == "moderator"], "the probe did not run"
    canaries = [u for name, u in state.users.items() if name not in notes.PASSWORDS]
    assert canaries and all(u["role"] == "user" for u in canaries)


def test_canary_names_fit_a_pattern_that_caps_the_length() -> None:
    schema = {
        "type": "object",
        "properties": {
            "username": {"type": "string", "pattern": "^[a-z0-9_]{3,20}$"},
            "email": {"type": "string", "format": "email", "maxLength": 40},
            "password": {"type": "string", "minLength": 10},
        },
    }
    op = Operation("POST", "/signup", request_body=RequestBody("application/json", schema))
    names = set()
    for _ in range(20):
        email, username, password = new_account(op, "example.invalid")
        assert username.startswith("authsift") and 3 <= len(username) <= 20
        assert username.replace("_", "").isalnum() and username == username.lower()
        assert email.startswith("authsift") and len(email) <= 40 and email.count("@") == 1
        assert len(password) >= 10
        names.add(username)
    assert len(names) == 20  # random enough that two canaries never collide


def test_privilege_fields_inside_an_envelope_come_from_the_spec() -> None:
    account = {
        "type": "object",
        "properties": {
            "username": {"type": "string"},
            "role": {"type": "string", "enum": ["user", "moderator"], "readOnly": True},
        },
    }
    answer = {"type": "object", "properties": {"ok": {"type": "boolean"}, "user": account}}
    request = {"type": "object", "properties": {"username": {}, "password": {}}}
    found = {p.name: p for p in escalations(request, [answer], [])}
    assert found["role"].shown and found["role"].value == "moderator"


def test_profile_update_inside_an_envelope_restores_the_configured_role(tmp_path: Path) -> None:
    """No sign-up: `PATCH /me` is probed on ana with markers; the role it found inside the
    `{"ok": true, "user": {...}}` answer is restored (it was present, not absent)."""
    state = notes.CookieState(signup_open=False, update_binds=True)
    report = _scan(tmp_path, state)
    assert fired_on(report, CHECK) == {"PATCH /me", "PATCH /u/{username}/profile"}
    finding = next(f for f in findings_of(report, CHECK) if f["operation"]["path"] == "/me")
    assert finding["identity"] == "ana" and finding["severity"] == "critical"
    assert "role" in finding["details"]["properties"] and "role" in finding["details"]["restored"]
    assert finding["details"]["privilege_granted"] is True  # moderator opened /admin/reports
    assert state.users["ana"]["role"] == "user"
    # absent fields it bound (`roles`) are leftovers by design; the present `role` is not one
    assert not [item for item in report.get("leftovers", []) if "property role " in item]


def test_hardened_profile_update_inside_an_envelope_passes(tmp_path: Path) -> None:
    state = notes.CookieState(signup_open=False, update_binds=False)
    report = _scan(tmp_path, state)
    assert fired_on(report, CHECK) == set()
    assert _reason(report, "PATCH /me") is None
    assert [body for who, body in state.updates if who == "ana" and "role" in body]
    assert state.users["ana"]["role"] == "user" and "leftovers" not in report


def test_an_update_addressed_by_user_name_is_probed_on_the_canarys_own_name(
    tmp_path: Path,
) -> None:
    """`PATCH /u/{username}/profile` with a sign-up at hand: the canary updates its own
    profile (its own user name in the path), never ana's (the spec's example)."""
    state = notes.CookieState(bind=False, update_binds=True)
    report = _scan(tmp_path, state)
    assert "PATCH /u/{username}/profile" in fired_on(report, CHECK), report["inconclusive"]
    finding = next(
        f for f in findings_of(report, CHECK) if f["operation"]["path"] == "/u/{username}/profile"
    )
    assert finding["details"]["canary"] is True and finding["details"]["signup"] is False
    assert finding["details"]["read_back"]["role"] == "GET /me"
    assert [who for who, _ in state.updates] and all(
        who.startswith("authsift") for who, _ in state.updates
    )
    assert state.users["ana"]["role"] == "user"
