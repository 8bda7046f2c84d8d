"""authz-bfla-privileged-write on objects the operator declares disposable (`policy.disposable`),
against the crew-rostering API in authz_crews_api.py (no sign-up: its user-management functions
can only act on an existing member)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from authsift.checks.authz._disposable import params_for
from authsift.config import load_config
from authsift.config.errors import ConfigError
from authsift.model import ScanResult
from tests.checks import authz_crews_api as api
from tests.checks.scanning import scan_app_in_process

CHECK = "authz-bfla-privileged-write"
HOLD = "POST /v1/crews/{crew_id}/people/{member_id}/suspend"
UNHOLD = "POST /v1/crews/{crew_id}/people/{member_id}/unsuspend"
RANK = "PUT /v1/crews/{crew_id}/people/{member_id}"
ZED = api.IDS["zed"]


@dataclass(frozen=True, slots=True)
class Scan:
    result: ScanResult
    report: dict[str, Any]
    roster: api.Roster

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


def _scan(roster: api.Roster, overrides: Mapping[str, Any] | None = None) -> Scan:
    result, report = scan_app_in_process(
        api.make_app(roster), api.spec(), api.config, api.ENV, CHECK, overrides
    )
    return Scan(result, report, roster)


def _untouched(roster: api.Roster) -> None:
    fresh = api.Roster(vulnerable=roster.vulnerable)
    assert roster.people == fresh.people  # zed restored, everyone else never acted on


@pytest.fixture(scope="module")
def vulnerable() -> Iterator[Scan]:
    yield _scan(api.Roster(vulnerable=True))


@pytest.fixture(scope="module")
def hardened() -> Iterator[Scan]:
    yield _scan(api.Roster(vulnerable=False))


def test_a_member_suspends_and_promotes_the_declared_member(vulnerable: Scan) -> None:
    findings = vulnerable.findings()
    assert set(findings) == {HOLD, UNHOLD, RANK}
    for finding in findings.values():
        assert finding["identity"] == "ann" and finding["confidence"] == "certain"
        assert "policy.disposable" in finding["details"]["target"]
        assert finding["details"]["refused"].get("ben") in (None, 404)  # ben: another crew
    assert findings[HOLD]["details"]["changes"] == {"$.on_hold": ["false", "true"]}
    # zed is not suspended: the inverse puts him in the state the function undoes, first
    assert findings[UNHOLD]["details"]["changes"] == {"$.on_hold": ["true", "false"]}
    assert findings[RANK]["details"]["changes"] == {"$.role": ['"hand"', '"chief"']}
    labels = [e["label"] for e in findings[HOLD]["evidence"]]
    assert labels[0] == "root reads the object policy.disposable declares"
    _untouched(vulnerable.roster)
    assert {target for _, _, target in vulnerable.roster.calls} == {ZED}
    assert "leftovers" not in vulnerable.report


def test_the_hardened_twin_is_tested_and_passes(hardened: Scan) -> None:
    assert hardened.report["findings"] == []
    assert hardened.outcome(HOLD) == ("passed", "")
    assert hardened.outcome(UNHOLD) == ("passed", "")
    assert hardened.outcome(RANK) == ("passed", "")
    assert ("root", "suspend", ZED) in hardened.roster.calls  # the control
    _untouched(hardened.roster)
    assert "leftovers" not in hardened.report


def test_without_a_declaration_it_says_how_to_make_it_testable() -> None:
    roster = api.Roster(vulnerable=True)
    scan = _scan(roster, {"policy": {}})
    outcome, reason = scan.outcome(HOLD)
    assert outcome == "inconclusive" and "no sign-up endpoint" in reason
    assert "policy.disposable: `- {crew_id: …, member_id: …}`" in reason
    assert roster.calls == []
    _untouched(roster)


def test_a_declared_configured_identity_is_never_acted_on() -> None:
    roster = api.Roster(vulnerable=True)
    scan = _scan(roster, {"policy": {"disposable": [{"crew_id": 1, "member_id": api.IDS["ann"]}]}})
    outcome, reason = scan.outcome(HOLD)
    assert outcome == "inconclusive" and "is ann's own account" in reason
    assert roster.calls == []


def test_a_declaration_for_other_objects_is_not_used() -> None:
    roster = api.Roster(vulnerable=True)
    scan = _scan(roster, {"policy": {"disposable": [{"crew_id": 1}]}})
    outcome, reason = scan.outcome(HOLD)
    assert outcome == "inconclusive" and "policy.disposable names no object" in reason
    assert roster.calls == []


@pytest.mark.parametrize(
    ("entry", "message"),
    [({}, "names no path parameter"), ({"member_id": True}, "needs a string or number")],
)
def test_bad_declarations_are_clear_errors(
    tmp_path: Path, entry: dict[str, Any], message: str
) -> None:
    raw = api.config("http://127.0.0.1:1", "openapi.json")
    raw["policy"] = {"disposable": [entry]}
    path = tmp_path / "authsift.yaml"
    path.write_text(json.dumps(raw))
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=api.ENV)
    assert message in str(caught.value) and "disposable" in str(caught.value)


def test_an_entry_fills_every_path_parameter_in_any_case_style() -> None:
    template = "/companies/{company_id}/drivers/{driver_id}"
    assert params_for(template, {"companyId": "c-1", "driver_id": 7}) == {
        "company_id": "c-1",
        "driver_id": "7",
    }
    assert params_for(template, {"company_id": "c-1"}) is None  # addresses the company only
    assert params_for(template, {"company_id": "c-1", "driver_id": 7, "x": 1}) is None
    assert params_for("/drivers", {"driver_id": 7}) is None
