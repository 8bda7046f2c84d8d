"""authz-bola-list against a small expenses API unlike the lab (tests/checks/authz_expenses_api.py:
trailing slashes, `{"count", "results"}` pages, a header token): a collection that lists every
user's expenses is reported; a team listing read by team members, a people directory and a
public catalogue are not."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from authsift.model import ScanResult
from tests.checks import authz_expenses_api as api
from tests.checks.scanning import scan_app_in_process

CHECK = "authz-bola-list"
ALL = "GET /expenses/"
TEAM = "GET /teams/{team_id}/expenses/"
PEOPLE = "GET /people/"
OFFERS = "GET /offers/"


@dataclass(frozen=True, slots=True)
class Scan:
    result: ScanResult
    report: dict[str, Any]

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


def _scan(vulnerable: bool, overrides: dict[str, Any] | None = None) -> Scan:
    result, report = scan_app_in_process(
        api.make_app(vulnerable=vulnerable), api.spec(), api.config, api.ENV, CHECK, overrides
    )
    return Scan(result, report)


@pytest.fixture(scope="module")
def vulnerable() -> Iterator[Scan]:
    yield _scan(True)


@pytest.fixture(scope="module")
def hardened() -> Iterator[Scan]:
    yield _scan(False)


def test_a_listing_of_everyone_s_expenses_is_reported(vulnerable: Scan) -> None:
    findings = vulnerable.findings()
    assert set(findings) == {ALL}
    finding = findings[ALL]
    assert finding["confidence"] == "certain"
    assert (finding["identity"], finding["victim"]) in {
        ("bo", "ada"),
        ("bo", "cy"),
        ("ada", "bo"),
        ("cy", "bo"),
        ("ada", "cy"),
        ("cy", "ada"),
    }
    assert "resources" in finding["details"]["ownership"]
    assert {"submitted_by", "amount"} & set(finding["details"]["properties"])


def test_team_listings_directories_and_public_catalogues_are_not(vulnerable: Scan) -> None:
    assert vulnerable.outcome(TEAM) == ("passed", "")
    assert vulnerable.outcome(PEOPLE)[0] == "passed"  # names and ids only: a directory
    assert vulnerable.outcome(OFFERS)[0] in {"passed", "inconclusive"}


def test_silent_on_the_hardened_twin(hardened: Scan) -> None:
    assert hardened.report["findings"] == []
    assert hardened.outcome(ALL) == ("passed", "")


def test_without_seeds_it_says_what_is_missing() -> None:
    scan = _scan(True, {"resources": {}})
    outcome, reason = scan.outcome(ALL)
    assert outcome == "inconclusive" and "resources" in reason


@pytest.mark.parametrize("vulnerable_api", [True, False])
def test_the_order_of_identities_does_not_matter(vulnerable_api: bool) -> None:
    """The administrator first, the users reversed: the same verdicts."""
    raw = api.config("http://127.0.0.1:1", "openapi.json")
    scan = _scan(vulnerable_api, {"identities": list(reversed(raw["identities"]))})
    assert set(scan.findings()) == ({ALL} if vulnerable_api else set())
    assert scan.outcome(TEAM) == ("passed", "")
    assert scan.outcome(PEOPLE)[0] == "passed"
