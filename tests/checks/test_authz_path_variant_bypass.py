from __future__ import annotations

from collections.abc import Iterator

import pytest

from authsift.checks.authz.authz_path_variant_bypass import path_variants
from authsift.lab.flaws import LabSettings
from tests.checks.bfla_helpers import LabScan, lab, scan_lab_with

CHECK = "authz-path-variant-bypass"
FLAWED = LabSettings.only({CHECK})
HARDENED = LabSettings.hardened_twin()


@pytest.fixture(scope="module")
def flawed_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabScan]:
    with lab(FLAWED) as url:
        yield scan_lab_with(url, FLAWED, tmp_path_factory.mktemp("pv"), [CHECK])


@pytest.fixture(scope="module")
def hardened_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabScan]:
    with lab(HARDENED) as url:
        yield scan_lab_with(url, HARDENED, tmp_path_factory.mktemp("pv-h"), [CHECK])


def test_fires_when_another_spelling_skips_the_admin_rule(flawed_scan: LabScan) -> None:
    # both admin routes share the rule keyed on the literal path
    assert sorted(flawed_scan.fired(CHECK)) == ["GET /admin/users", "GET /admin/users/{user_id}"]
    finding = next(
        f
        for f in flawed_scan.report["findings"]
        if f["check"] == CHECK and f["operation"]["path"] == "/admin/users/{user_id}"
    )
    assert finding["severity"] == "critical" and finding["confidence"] == "certain"
    assert finding["victim"] == "carol" and finding["identity"] not in (None, "carol")
    admin, refused, bypass = finding["evidence"]
    assert (admin["response"]["status"], refused["response"]["status"]) == (200, 403)
    assert bypass["response"]["status"] == 200
    assert "/admin/" not in bypass["request"]["url"]  # the rule keys on the literal /admin/
    assert finding["details"]["path"].lower().replace("%61", "a").startswith("/admin/")


def test_silent_on_the_hardened_lab(hardened_scan: LabScan) -> None:
    assert hardened_scan.report["findings"] == []
    probed = [
        t
        for t in hardened_scan.result.tasks
        if t.check_id == CHECK and t.operation and t.operation.path == "/admin/users/{user_id}"
    ]
    assert probed and probed[0].outcome.value == "passed" and probed[0].requests >= 15


def test_variants_cover_case_encoding_dots_and_suffixes() -> None:
    variants = dict((path, label) for label, path in path_variants("/admin/users/3"))
    for expected in (
        "/Admin/users/3",
        "/ADMIN/users/3",
        "/%61dmin/users/3",
        "/%2561dmin/users/3",
        "/admin/users/3/",
        "//admin/users/3",
        "/./admin/users/3",
        "/%2e/admin/users/3",
        "/admin%2fusers/3",
        "/admin;/users/3",
        "/admin/users/3;.json",
        "/admin/users/3.json",
        "/admin/users/3%20",
        "/admin/users/3%09",
        "/admin/users/3%23",
    ):
        assert expected in variants, expected
    assert "/admin/users/3" not in variants
    versions = [path for label, path in path_variants("/api/v2/users") if label.startswith("API")]
    assert versions == ["/api/v1/users", "/api/v3/users"]
