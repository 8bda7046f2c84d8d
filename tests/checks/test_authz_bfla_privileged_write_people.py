"""authz-bfla-privileged-write against a small practice directory on 127.0.0.1 (tests/checks/
bfla_people_api.py and bfla_people_spec.py): a role change seen only by the canary account
itself, appointments only users book and only the admin (or their doctor) may cancel, and a team
role with nobody of the scanner's own to try it on."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from authsift.checks.authz._bfla_writes import skip_reason, write_function
from authsift.model import Operation, RequestBody, ScanResult
from tests.checks import bfla_people_api as api
from tests.checks import bfla_people_spec
from tests.checks.scanning import scan_app_in_process

CHECK = "authz-bfla-privileged-write"
ROLE = "PUT /people/{username}/role"
CANCEL = "DELETE /appointments/{appointment_id}"
TEAM = "PUT /teams/{team_id}/members/{user_id}"


@dataclass(frozen=True, slots=True)
class Scan:
    result: ScanResult
    report: dict[str, Any]
    clinic: api.Clinic

    def outcome(self, key: str) -> tuple[str, str]:
        task = next(
            t
            for t in self.result.tasks
            if t.check_id == CHECK and t.operation and t.operation.key == key
        )
        return task.outcome.value, task.reason

    def findings(self) -> dict[str, dict[str, Any]]:
        return {
            f"{f['operation']['method']} {f['operation']['path']}": f
            for f in self.report["findings"]
            if f["check"] == CHECK
        }


def _scan(clinic: api.Clinic, overrides: Mapping[str, Any] | None = None) -> Scan:
    result, report = scan_app_in_process(
        api.make_app(clinic),
        bfla_people_spec.spec(),
        bfla_people_spec.config,
        api.ENV,
        CHECK,
        overrides,
    )
    return Scan(result, report, clinic)


@pytest.fixture(scope="module")
def vulnerable() -> Iterator[Scan]:
    yield _scan(api.Clinic(vulnerable=True))


@pytest.fixture(scope="module")
def hardened() -> Iterator[Scan]:
    yield _scan(api.Clinic(vulnerable=False))


def test_a_role_change_seen_by_the_canary_itself(vulnerable: Scan) -> None:
    finding = vulnerable.findings()[ROLE]
    assert finding["identity"] in {"pat", "pia", "doc"} and finding["confidence"] == "certain"
    assert finding["details"]["changes"] == {"$.role": ['"member"', '"moderator"']}
    labels = [e["label"] for e in finding["evidence"]]
    # the admin's view (a public profile, in an envelope) shows no role; the canary's /me does
    assert "root reads it before" in labels
    after = next(
        e
        for e in finding["evidence"]
        if e["label"] == "the canary account (GET /me) reads itself after"
    )
    assert after["note"] == '$.role: "member" → "moderator"'
    assert json.loads(after["response"]["body"])["user"]["role"] == "moderator"
    assert "Pat-books" not in json.dumps(vulnerable.report)  # no password in the report


def test_an_appointment_cancelled_by_a_patient_who_may_not_read_it(vulnerable: Scan) -> None:
    finding = vulnerable.findings()[CANCEL]
    assert finding["confidence"] == "certain"
    owner, intruder = finding["victim"], finding["identity"]
    assert {owner, intruder} == {"pat", "pia"}  # never doc: the doctor reads it, and cancels it
    labels = [e["label"] for e in finding["evidence"]]
    assert labels[:4] == [
        f"{owner} creates the object the function acts on",
        "root may not create such objects",
        f"{intruder} may not read it",
        "root reads it before",
    ]
    created = json.loads(finding["evidence"][0]["request"]["body"])
    assert created["doctor_id"] == 3 and created["starts_at"] > "2025"  # completed, in the future
    assert "may not create them" in finding["details"]["privileged_because"]
    assert "doc" not in vulnerable.clinic.cancelled_by


def test_the_hardened_twin_is_tested_and_passes(hardened: Scan) -> None:
    assert hardened.report["findings"] == []
    assert hardened.outcome(ROLE) == ("passed", "")
    assert hardened.outcome(CANCEL) == ("passed", "")
    assert hardened.clinic.cancelled_by.count("root") >= 1  # the control


@pytest.mark.parametrize("which", ["vulnerable", "hardened"])
def test_nothing_real_touched(which: str, request: pytest.FixtureRequest) -> None:
    scan: Scan = request.getfixturevalue(which)
    clinic = scan.clinic
    assert {n: u["role"] for n, u in clinic.users.items() if n in api.ROLES} == api.ROLES
    assert list(clinic.appointments) == [1]  # vic's, untouched; every scanner booking deleted
    assert clinic.members == {(1, 1): "member", (1, 2): "member", (1, 4): "lead"}
    canaries = [u for n, u in clinic.users.items() if n not in api.ROLES]
    assert canaries and all(u["role"] == "member" for u in canaries)  # restored
    assert all("canary account" in text for text in scan.report.get("leftovers", []))
    outcome, reason = scan.outcome(TEAM)
    assert outcome == "inconclusive" and "not visible to root" in reason


def test_without_a_sign_up_a_team_role_is_inconclusive_with_what_to_do() -> None:
    clinic = api.Clinic(vulnerable=True)
    scan = _scan(clinic, {"operations": {"exclude": ["POST /signup"]}})
    outcome, reason = scan.outcome(TEAM)
    assert outcome == "inconclusive"
    assert "the configured identities (pat, pia, doc, root) among them" in reason
    assert "make a throwaway account under the same {team_id}" in reason
    assert "as pat, pia, doc" in reason and "check as root" in reason
    assert clinic.members == {(1, 1): "member", (1, 2): "member", (1, 4): "lead"}


@pytest.mark.parametrize("vulnerable", [True, False])
def test_an_id_given_to_another_object_is_never_taken_for_its_own(vulnerable: bool) -> None:
    clinic = api.Clinic(vulnerable=vulnerable, recycle=True)
    scan = _scan(clinic, {"operations": {"include": ["* /appointments*"]}})
    assert set(scan.findings()) == ({CANCEL} if vulnerable else set())
    assert scan.outcome(CANCEL)[0] == ("finding" if vulnerable else "passed")
    # every cancelled appointment was the scanner's: vic's walk-ins under reused ids never are
    assert [a["patient"] for a in clinic.cancelled if a["patient"] == "vic"] == []
    assert {a["patient"] for a in clinic.appointments.values()} == {"vic"}
    assert "leftovers" not in scan.report


def test_a_body_holding_only_a_role_is_the_role_action() -> None:
    schema = {"type": "object", "properties": {"role": {"type": "string"}}}
    body = RequestBody("application/json", schema)
    member = Operation("PUT", "/teams/{team_id}/members/{user_id}", request_body=body)
    function = write_function(member)
    assert function is not None and (function.kind, function.verb) == ("action", "role")
    assert function.restores_by_body and function.on_account
    assert skip_reason(member, privileged=False) is None
    schema["properties"]["name"] = {"type": "string"}  # a profile edit that also takes a role
    assert skip_reason(member, privileged=False) is not None
