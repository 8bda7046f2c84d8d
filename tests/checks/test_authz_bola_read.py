"""authz-bola-read on the lab: fires on the order handler that forgets ownership, and on nothing
else — not on the public handbook, the document shared with bob, or `/reports/{id}`'s
200-with-error answer — and stays silent on the hardened twin."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread
from authsift.lab.store import PUBLIC_DOCUMENT_ID, SHARED_DOCUMENT_ID
from tests.apps.toy_api import serve_in_thread
from tests.checks import authz_invoices_api as invoices_api
from tests.checks import authz_tenancy_api as tenancy_api
from tests.checks.authz_helpers import (
    LabClient,
    findings_of,
    fired_on,
    outcomes_of,
    passed_on,
    scan_lab_report,
    scan_lab_result,
)
from tests.checks.scanning import scan_with

CHECK = "authz-bola-read"


@pytest.fixture(scope="module")
def vulnerable() -> Iterator[tuple[str, LabSettings]]:
    settings = LabSettings.vulnerable()
    with run_in_thread(settings) as url:
        yield url, settings


@pytest.fixture(scope="module")
def vulnerable_report(vulnerable: tuple[str, LabSettings]) -> dict[str, Any]:
    return scan_lab_report(*vulnerable, [CHECK])


def test_fires_only_on_the_order_read_that_skips_ownership(
    vulnerable_report: dict[str, Any],
) -> None:
    assert fired_on(vulnerable_report, CHECK) == {"GET /orders/{order_id}"}
    finding = findings_of(vulnerable_report, CHECK)[0]
    assert finding["confidence"] == "certain"
    # integer ids and the owner's e-mail in the object: critical (CHECKS.md #21)
    assert finding["severity"] == "critical"
    assert {finding["identity"], finding["victim"]} <= {"alice", "bob"}
    assert finding["identity"] != finding["victim"]
    labels = [e["label"] for e in finding["evidence"]]
    assert any("without credentials" in label for label in labels)
    assert any("does not exist" in label for label in labels)
    statuses = [e["response"]["status"] for e in finding["evidence"]]
    assert statuses[0] == 200 and statuses[1] == 401 and statuses[2] == 200


def test_decoys_and_other_object_reads_were_tested_and_passed(
    vulnerable_report: dict[str, Any],
) -> None:
    """The documents (public and shared decoys) and `/reports/{id}` (200-with-error) ran and
    came back clean, not skipped."""
    reasons = {
        f"{t['operation']['method']} {t['operation']['path']}": t["reason"]
        for t in vulnerable_report["inconclusive"]
        if t["check"] == CHECK
    }
    assert "GET /documents/{document_id}" not in reasons
    assert "GET /reports/{report_id}" not in reasons


def test_a_seeded_shared_or_public_document_is_not_reported(
    vulnerable: tuple[str, LabSettings],
) -> None:
    """Even when the config claims the shared and the public documents as alice's own, bob
    reading them is not BOLA: bob lists the shared one himself, and anyone reads the public one."""
    url, settings = vulnerable
    for decoy in (SHARED_DOCUMENT_ID, PUBLIC_DOCUMENT_ID):
        report = scan_lab_report(
            url,
            settings,
            [CHECK],
            overrides={
                "operations.include": ["GET /documents*", "GET /me"],
                "resources.alice.document_id": [decoy],
            },
        )
        assert fired_on(report, CHECK) == set(), decoy


def test_silent_on_the_hardened_twin() -> None:
    settings = LabSettings.hardened_twin()
    with run_in_thread(settings) as url:
        report, result = scan_lab_result(url, settings, [CHECK])
    assert fired_on(report, CHECK) == set()
    assert not [t for t in report["errors"] if t["check"] == CHECK]
    # it decided: the order read that is flawed on the vulnerable lab passed here
    assert "GET /orders/{order_id}" in passed_on(result, CHECK), outcomes_of(result, CHECK)


# --------------------------------------------------------------------------- an API unlike the lab


@pytest.mark.parametrize("vulnerable_api", [True, False])
def test_unseen_api_shape_without_seeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vulnerable_api: bool
) -> None:
    """UUIDs under `{id}`, wrapped pages, no seeds: ids come from the listings. Only the invoice
    read is reported; the public catalog, the shared team, the 200-with-error notes and the
    profile that ignores its id are not."""
    for name, value in invoices_api.TOKEN_ENV.items():
        monkeypatch.setenv(name, value)
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(invoices_api.spec()))
    with serve_in_thread(invoices_api.make_app(vulnerable=vulnerable_api)) as url:
        report = scan_with(tmp_path, invoices_api.config(url, str(spec_path)), CHECK)
    expected = {"GET /api/v1/invoices/{id}"} if vulnerable_api else set()
    assert fired_on(report, CHECK) == expected
    if vulnerable_api:
        finding = findings_of(report, CHECK)[0]
        assert finding["severity"] == "critical"  # the invoice carries the customer's e-mail
        assert finding["details"]["id_source"] == "listing"
    assert not [t for t in report["errors"] if t["check"] == CHECK]


def test_intrusive_mode_creates_its_own_object_when_none_is_known(
    vulnerable: tuple[str, LabSettings],
) -> None:
    """No seeds and no listing: as alice the scanner creates an order with canaries, bob reads
    it, and the order is deleted again."""
    url, settings = vulnerable
    report = scan_lab_report(
        url,
        settings,
        [CHECK],
        intrusive=True,
        overrides={
            "operations.include": ["* /orders/{order_id}", "POST /orders", "GET /me"],
            "resources.alice.order_id": [],
            "resources.bob.order_id": [],
        },
    )
    assert fired_on(report, CHECK) == {"GET /orders/{order_id}"}
    finding = findings_of(report, CHECK)[0]
    assert finding["details"]["id_source"] == "created"
    assert any(m.startswith("authsift-canary-") for m in finding["details"]["markers"])
    status, page = LabClient(url, "alice").call("GET", "/orders?limit=100&offset=1100")
    assert status == 200 and "authsift-canary-" not in json.dumps(page)
    assert "leftovers" not in report.get("extras", {})


# --------------------------------------------------------------------------- a multi-tenant API


@pytest.mark.parametrize("vulnerable_api", [True, False])
def test_tenancy_api_nested_and_query_references_without_relationship_decoys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vulnerable_api: bool
) -> None:
    """Issue #8 on an API written apart from the lab: the nested task read (intruder's team,
    victim's task) and the read by `?owner_id=` are BOLA; the team lead reading her members'
    notes and tasks (a relationship), the people directory (directory data only) and the public
    author page (documented public by omission) are not. The hardened twin passes both."""
    for name, value in tenancy_api.TOKEN_ENV.items():
        monkeypatch.setenv(name, value)
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(tenancy_api.spec()))
    with serve_in_thread(tenancy_api.make_app(vulnerable=vulnerable_api)) as url:
        report = scan_with(tmp_path, tenancy_api.config(url, str(spec_path)), CHECK)
    flawed = {"GET /teams/{team_id}/tasks/{task_id}", "GET /notes"}
    assert fired_on(report, CHECK) == (flawed if vulnerable_api else set())
    for finding in findings_of(report, CHECK):
        assert (finding["identity"], finding["victim"]) == ("ben", "ann")
        assert finding["details"]["leaked"], finding["details"]
        assert "the config's `resources` seed it for ann" in finding["description"]
    nested = next(
        (f for f in findings_of(report, CHECK) if "/teams/" in f["operation"]["path"]), None
    )
    if nested is not None:
        assert nested["reproduce"].count("/teams/2/tasks/101") == 1  # ben's team, ann's task
    assert not [t for t in report["errors"] if t["check"] == CHECK]
    inconclusive = {
        f"{t['operation']['method']} {t['operation']['path']}"
        for t in report["inconclusive"]
        if t["check"] == CHECK
    }
    assert inconclusive == set(), report["inconclusive"]
