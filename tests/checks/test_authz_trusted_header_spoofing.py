from __future__ import annotations

from collections.abc import Iterator

import pytest

from authsift.checks.authz.authz_trusted_header_spoofing import identity_headers
from authsift.lab.flaws import LabSettings
from tests.checks.bfla_helpers import LabScan, lab, scan_lab_with

CHECK = "authz-trusted-header-spoofing"
FLAWED = LabSettings.only({CHECK})
HARDENED = LabSettings.hardened_twin()


@pytest.fixture(scope="module")
def flawed_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabScan]:
    with lab(FLAWED) as url:
        yield scan_lab_with(url, FLAWED, tmp_path_factory.mktemp("ths"), [CHECK])


@pytest.fixture(scope="module")
def hardened_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabScan]:
    with lab(HARDENED) as url:
        yield scan_lab_with(url, HARDENED, tmp_path_factory.mktemp("ths-h"), [CHECK])


def test_fires_once_per_api_when_x_user_id_is_trusted(flawed_scan: LabScan) -> None:
    assert flawed_scan.fired(CHECK) == ["*"]
    finding = next(f for f in flawed_scan.report["findings"] if f["check"] == CHECK)
    assert finding["severity"] == "critical" and finding["confidence"] == "certain"
    assert finding["identity"] is None and finding["victim"] == "carol"  # anonymous became admin
    assert "X-User-Id: 3" in finding["details"]["headers"]
    spoofed = finding["evidence"][-1]
    assert spoofed["response"]["status"] == 200
    sent = {h["name"]: h["value"] for h in spoofed["request"]["headers"]}
    assert "Authorization" not in sent and sent["X-User-Id"] == "3"
    assert "carol@lab.example" in spoofed["response"]["body"]


def test_silent_on_the_hardened_lab(hardened_scan: LabScan) -> None:
    assert hardened_scan.report["findings"] == []
    passed = [
        t for t in hardened_scan.result.tasks if t.check_id == CHECK and t.outcome.value == "passed"
    ]
    assert passed and all(t.requests >= 3 for t in passed)


def test_identity_headers_carry_the_victims_own_values() -> None:
    headers = dict(identity_headers(frozenset({"3", "carol", "carol@lab.example"}), True))
    assert headers["X-User-Id"] == "3" and headers["X-Forwarded-User"] == "carol"
    assert headers["X-Auth-Request-Email"] == "carol@lab.example"
    assert headers["X-Roles"] == "admin"
    assert "X-Roles" not in dict(identity_headers(frozenset({"2", "bob"}), False))
    assert identity_headers(frozenset(), True) == []
