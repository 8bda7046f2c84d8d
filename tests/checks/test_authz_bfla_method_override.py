from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from authsift.checks.authz.authz_bfla_method_override import opening_fields, tunnels
from authsift.lab.flaws import LabSettings
from tests.checks.bfla_helpers import LabScan, lab, lab_get, scan_lab_with

CHECK = "authz-bfla-method-override"
FLAWED = LabSettings.only({CHECK})
HARDENED = LabSettings.hardened_twin()
INTRUSIVE = {"checks.intrusive": True}
CANARY = "authsift-canary-"


def _leftovers(url: str) -> list[str]:
    """Scanner-created objects still in the lab, for every account that could own one."""
    found: list[str] = []
    for user, password in (("alice", "alice-lab-pass-1"), ("bob", "bob-lab-pass-2")):
        for path in ("/documents", "/orders"):
            answer = str(lab_get(url, path, user, password))
            if CANARY in answer:
                found.append(f"{path} of {user}")
    return found


@pytest.fixture(scope="module")
def flawed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, LabScan]]:
    with lab(FLAWED) as url:
        yield url, scan_lab_with(url, FLAWED, tmp_path_factory.mktemp("mo"), [CHECK], INTRUSIVE)


@pytest.fixture(scope="module")
def hardened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, LabScan]]:
    with lab(HARDENED) as url:
        scan = scan_lab_with(url, HARDENED, tmp_path_factory.mktemp("mo-h"), [CHECK], INTRUSIVE)
        yield url, scan


def test_fires_when_a_reader_deletes_through_the_override_header(
    flawed: tuple[str, LabScan],
) -> None:
    url, scan = flawed
    assert scan.fired(CHECK) == ["GET /documents/{document_id}"]
    finding = scan.report["findings"][0]
    assert finding["confidence"] == "certain" and finding["severity"] == "high"
    assert finding["victim"] == "alice" and finding["identity"] not in (None, "alice")
    read, plain_delete, tunnelled = finding["evidence"]
    assert read["response"]["status"] == 200 and plain_delete["response"]["status"] == 403
    assert tunnelled["request"]["method"] == "GET"
    sent = {(h["name"], h["value"]) for h in tunnelled["request"]["headers"]}
    assert ("X-HTTP-Method-Override", "DELETE") in sent
    assert _leftovers(url) == []
    assert "leftovers" not in scan.report


def test_silent_on_the_hardened_lab_and_cleans_up(hardened: tuple[str, LabScan]) -> None:
    url, scan = hardened
    assert scan.report["findings"] == []
    probed = [t for t in scan.result.tasks if t.check_id == CHECK and t.outcome.value == "passed"]
    worked = [t for t in probed if t.requests > 0]
    assert [t.operation.path for t in worked if t.operation] == ["/documents/{document_id}"]
    assert worked[0].requests >= 10  # created, read, plain DELETE, every tunnel, cleanup
    private = [
        t.reason
        for t in scan.result.tasks
        if t.check_id == CHECK and t.operation and t.operation.path == "/orders/{order_id}"
    ]
    assert private and "no other identity may read" in private[0]  # orders are private
    assert _leftovers(url) == []
    assert "leftovers" not in scan.report


def test_not_run_without_intrusive_mode(tmp_path: Path, flawed: tuple[str, LabScan]) -> None:
    url, _ = flawed
    # beside a read-only check, so that the scan has something to test (else exit 2)
    scan = scan_lab_with(url, FLAWED, tmp_path, [CHECK, "authz-unauthenticated-access"])
    assert [f for f in scan.report["findings"] if f["check"] == CHECK] == []
    assert {t.outcome.value for t in scan.result.tasks if t.check_id == CHECK} == {"skipped"}


def test_tunnels_and_opening_fields() -> None:
    labels = [t.label for t in tunnels()]
    assert "GET + X-HTTP-Method-Override: DELETE" in labels and "GET ?_method=DELETE" in labels
    assert "POST with body _method=DELETE" in labels
    schema = {"properties": {"visibility": {"enum": ["private", "public"]}, "title": {}}}
    assert opening_fields(schema) == {"visibility": "public"}
    assert opening_fields({"properties": {"state": {"enum": ["a", "b"]}}}) == {}
