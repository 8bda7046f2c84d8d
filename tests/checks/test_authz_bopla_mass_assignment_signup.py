"""authz-bopla-mass-assignment at sign-up and self-update, on canary accounts (intrusive).

A small accounts API (`authz_signup_api`) whose `POST /signup` binds the whole body onto the new
account fires, with the escalated canary's `/me` and the admin function as proof; its hardened
twins (unknown fields ignored, or refused with 422) pass after the probe demonstrably ran. A
vulnerable `PATCH /me` is proven on a canary account, never on the configured identities. A
canary that cannot log in makes the task inconclusive, with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from authsift.checks.authz._privilege_values import Privilege, escalations, shows
from authsift.checks.authz._self_update import changes_credentials
from authsift.cli import app
from authsift.model import Operation, RequestBody
from tests.apps.toy_api import serve_in_thread
from tests.checks import authz_signup_api as accounts
from tests.checks.authz_helpers import findings_of, fired_on
from tests.conftest import write_yaml

CHECK = "authz-bopla-mass-assignment"
CONFIGURED = {"ana@accounts.example", "ops@accounts.example"}


@pytest.fixture(autouse=True)
def _passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in accounts.PASSWORD_ENV.items():
        monkeypatch.setenv(name, value)


def _scan(
    tmp_path: Path, options: accounts.SignupOptions, *, bearer: bool = False
) -> tuple[dict[str, Any], accounts.SignupState]:
    state = accounts.SignupState(options)
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(accounts.spec(options)))
    with serve_in_thread(accounts.make_app(state)) as url:
        make_config = accounts.bearer_config if bearer else accounts.config
        config = make_config(url, str(spec_path))
        config |= {
            "checks": {"include": [CHECK], "intrusive": True},
            "report": {"formats": ["json"]},
        }
        path = write_yaml(tmp_path / "authsift.yaml", config)
        out = tmp_path / "report.json"
        result = CliRunner().invoke(app, ["scan", "-c", str(path), "-o", str(out), "--quiet"])
        assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(out.read_text())
    assert not [t for t in report["errors"] if t["check"] == CHECK], report["errors"]
    return report, state


def _outcome(report: dict[str, Any], operation: str) -> str | None:
    """The inconclusive reason of the task on `operation`, or None when it decided."""
    for task in report["inconclusive"] + report["not_run"]:
        if (
            task["check"] == CHECK
            and f"{task['operation']['method']} {task['operation']['path']}" == operation
        ):
            return str(task["reason"])
    return None


def _canaries(state: accounts.SignupState) -> list[dict[str, Any]]:
    return [u for u in state.users.values() if u["email"] not in CONFIGURED]


def test_signup_that_binds_role_is_critical_with_read_back_and_admin_function(
    tmp_path: Path,
) -> None:
    report, state = _scan(tmp_path, accounts.SignupOptions(signup="bind"))
    assert fired_on(report, CHECK) == {"POST /signup"}
    finding = findings_of(report, CHECK)[0]
    assert finding["severity"] == "critical" and finding["confidence"] == "certain"
    assert finding["identity"] is None  # an anonymous visitor signing up
    assert finding["details"]["properties"] == ["role"]
    assert finding["details"]["read_back"] == {"role": "GET /me"}
    assert finding["details"]["granted_operations"] == ["GET /admin/users"]
    labels = [e["label"] for e in finding["evidence"]]
    assert labels[0] == "control: sign-up without privilege fields"
    assert "control: GET /admin/users" in labels and "escalated canary: GET /admin/users" in labels
    statuses = {e["label"]: e["response"]["status"] for e in finding["evidence"]}
    assert statuses["control: GET /admin/users"] == 403
    assert statuses["escalated canary: GET /admin/users"] == 200
    # the canary password and tokens never reach the report
    text = json.dumps(report)
    for signup in state.signups:
        assert signup["password"] not in text
    assert not any(token in text for token in state.tokens)
    # both canaries closed their accounts; the configured ones are untouched
    assert _canaries(state) == [] and "leftovers" not in report
    assert state.users[1]["role"] == "member"
    assert all(email not in CONFIGURED for email, _ in state.updates)


@pytest.mark.parametrize("mode", ["ignore", "forbid"])
def test_hardened_signup_and_self_update_pass_after_the_probes_ran(
    tmp_path: Path, mode: accounts.Mode
) -> None:
    report, state = _scan(tmp_path, accounts.SignupOptions(signup=mode, self_update=mode))
    assert fired_on(report, CHECK) == set()
    assert _outcome(report, "POST /signup") is None
    assert _outcome(report, "PATCH /me") is None
    sent = [s for s in state.signups if s.get("role") == "admin"]
    assert sent, "no sign-up carried role=admin: the probe did not run"
    assert [body for _, body in state.updates if body.get("role") == "admin"]
    assert all(email not in CONFIGURED for email, _ in state.updates)
    if mode == "forbid":  # the combined body refused, then the strongest fields alone
        assert any(set(s) - {"email", "password", "name"} == {"role"} for s in sent)
        assert {"role": "admin"} in [body for _, body in state.updates]
    # role=editor, the enum's next role, was tried too: neither sign-up nor update took it
    assert any(s.get("role") == "editor" for s in state.signups)
    assert _canaries(state) == []


def test_a_lesser_role_of_the_enum_is_tried_when_admin_is_not_taken(tmp_path: Path) -> None:
    """`role: admin` is downgraded at sign-up, but `editor` (the enum's next role) sticks."""
    options = accounts.SignupOptions(signup="bind", no_admin_at_signup=True)
    report, state = _scan(tmp_path, options)
    assert fired_on(report, CHECK) == {"POST /signup"}
    finding = findings_of(report, CHECK)[0]
    assert finding["severity"] == "critical"
    assert finding["details"]["properties"] == ["role"]
    assert (
        finding["details"]["sent"] == ["role"] and finding["details"]["privilege_granted"] is False
    )
    assert "role=editor" in finding["description"]
    assert _canaries(state) == []


def test_the_login_for_canaries_is_found_in_the_spec_without_login_config(
    tmp_path: Path,
) -> None:
    """Identities with fixed tokens, no `endpoints.login`: `POST /auth/login` (a password and an
    e-mail in its body) is the way in, and the token is taken from `access_token`."""
    report, state = _scan(tmp_path, accounts.SignupOptions(signup="bind"), bearer=True)
    assert fired_on(report, CHECK) == {"POST /signup"}
    assert findings_of(report, CHECK)[0]["details"]["granted_operations"] == ["GET /admin/users"]
    assert _canaries(state) == []


def test_self_update_binding_role_is_proven_on_a_canary_only(tmp_path: Path) -> None:
    report, state = _scan(tmp_path, accounts.SignupOptions(self_update="bind"))
    assert fired_on(report, CHECK) == {"PATCH /me"}
    finding = findings_of(report, CHECK)[0]
    assert finding["severity"] == "critical"
    assert finding["details"]["signup"] is False
    assert finding["details"]["privilege_granted"] is True
    assert "role" in finding["details"]["properties"]
    # every PATCH /me went to a canary account; ana and ops kept their roles
    assert state.updates and all(email not in CONFIGURED for email, _ in state.updates)
    assert state.users[1]["role"] == "member" and state.users[2]["role"] == "admin"
    assert _canaries(state) == []


def test_a_canary_that_cannot_log_in_is_inconclusive(tmp_path: Path) -> None:
    report, state = _scan(tmp_path, accounts.SignupOptions(signup="bind", confirm_email=True))
    assert fired_on(report, CHECK) == set()
    reason = _outcome(report, "POST /signup") or ""
    assert "could not log in" in reason and "403" in reason
    assert not [s for s in state.signups if "role" in s]  # no privileged account was made
    assert any("authsift-canary-" in line for line in report["leftovers"])


def test_a_server_error_on_every_privilege_field_is_inconclusive_not_safe(tmp_path: Path) -> None:
    report, state = _scan(tmp_path, accounts.SignupOptions(signup="crash"))
    assert fired_on(report, CHECK) == set()
    reason = _outcome(report, "POST /signup") or ""
    assert "answered 500" in reason and "neither accepted nor refused" in reason
    assert _canaries(state) == []


def test_without_a_way_to_delete_accounts_canaries_are_leftovers(tmp_path: Path) -> None:
    report, state = _scan(tmp_path, accounts.SignupOptions(delete_me=False))
    assert fired_on(report, CHECK) == set()
    leftovers = report["leftovers"]
    assert len(leftovers) == len(_canaries(state)) >= 2
    assert all(u["email"] in " ".join(leftovers) for u in _canaries(state))


# --------------------------------------------------------------------------- pure helpers


def test_privilege_fields_come_from_the_spec_first_with_its_administrative_value() -> None:
    me = {"properties": {"role": {"type": "string", "enum": ["patient", "doctor", "admin"]}}}
    signup = {"properties": {"email": {"type": "string"}, "password": {"type": "string"}}}
    found = escalations(signup, [me], privileged_roles=("admin",))
    assert found[0] == Privilege("role", "admin", True, True, ("doctor", "patient"))
    values = {p.name: p.value for p in found}
    assert values["is_admin"] is True and values["roles"] == ["admin"]
    assert "email" not in values and "password" not in values
    # the configured privileged role wins where the enum has it
    staff = {"properties": {"role": {"enum": ["user", "staff", "admin"]}}}
    assert escalations(signup, [staff], privileged_roles=("staff",))[0].value == "staff"


def test_a_role_shows_under_its_own_or_a_sibling_key_never_in_other_fields() -> None:
    assert shows({"role": "Admin"}, "role", "admin") == "role"
    assert shows({"user": {"roles": ["user", "admin"]}}, "role", "admin") == "roles"
    assert shows({"role": "admin"}, "roles", ["admin"], related=False) is None
    assert shows({"is_admin": 1}, "is_admin", True) == "is_admin"
    assert shows({"name": "admin"}, "role", "admin") is None


def test_credential_changes_are_recognised_by_path_or_required_password() -> None:
    body = RequestBody("application/json", {"required": ["current_password", "new_password"]})
    assert changes_credentials(Operation("POST", "/account/change", request_body=body))
    assert changes_credentials(Operation("PUT", "/me/email"))
    assert not changes_credentials(Operation("PATCH", "/me", request_body=RequestBody("json")))
