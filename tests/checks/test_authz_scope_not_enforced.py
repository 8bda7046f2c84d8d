from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from authsift.checks.authz.authz_scope_not_enforced import (
    missing_scopes,
    read_only_scopes,
    token_scopes,
)
from authsift.lab.flaws import LabSettings
from authsift.model import Operation
from tests.checks.authz_helpers import outcomes_of, passed_on
from tests.checks.bfla_helpers import LabScan, lab, lab_get, scan_lab_with

CHECK = "authz-scope-not-enforced"
FLAWED = LabSettings.only({CHECK})
HARDENED = LabSettings.hardened_twin()
INTRUSIVE = {"checks.intrusive": True}
BOT = ("reporting-bot", "bot-lab-pass-4")  # the lab's client_credentials client, scope `read`


def _leftovers(url: str) -> list[str]:
    return [
        path
        for path in ("/orders", "/documents", "/api-keys")
        if "authsift-canary-" in str(lab_get(url, path, *BOT))
    ]


@pytest.fixture(scope="module")
def flawed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, LabScan]]:
    with lab(FLAWED) as url:
        yield url, scan_lab_with(url, FLAWED, tmp_path_factory.mktemp("sc"), [CHECK], INTRUSIVE)


@pytest.fixture(scope="module")
def hardened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, LabScan]]:
    with lab(HARDENED) as url:
        yield url, scan_lab_with(url, HARDENED, tmp_path_factory.mktemp("sc-h"), [CHECK], INTRUSIVE)


def test_fires_when_a_read_scoped_token_creates_objects(flawed: tuple[str, LabScan]) -> None:
    url, scan = flawed
    assert {"POST /orders", "POST /documents"} <= set(scan.fired(CHECK))
    assert all(op.startswith("POST ") for op in scan.fired(CHECK))
    for finding in scan.report["findings"]:
        assert finding["identity"] == "reporting-bot" and finding["details"]["scopes"] == ["read"]
        created, read_back = finding["evidence"]
        assert 200 <= created["response"]["status"] < 300
        assert read_back["response"]["status"] == 200
    assert _leftovers(url) == [] and "leftovers" not in scan.report


def test_silent_on_the_hardened_lab(hardened: tuple[str, LabScan]) -> None:
    url, scan = hardened
    assert scan.report["findings"] == []
    assert _leftovers(url) == [] and "leftovers" not in scan.report
    tried = [t for t in scan.result.tasks if t.check_id == CHECK and t.requests > 0]
    assert {t.operation.key for t in tried if t.operation} >= {"POST /orders", "POST /documents"}
    passed = passed_on(scan.result, CHECK)
    assert {"POST /orders", "POST /documents"} <= passed, outcomes_of(scan.result, CHECK)


def _jwt(claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256'})}.{part(claims)}.c2ln"


def test_scope_helpers() -> None:
    assert token_scopes(_jwt({"scope": "read profile"})) == ("read", "profile")
    assert token_scopes(_jwt({"scp": ["orders:read"]})) == ("orders:read",)
    assert token_scopes(_jwt({"sub": "1"})) is None and token_scopes("opaque-token") is None
    assert read_only_scopes(["read"]) and read_only_scopes(["orders:read", "profile.view"])
    assert not read_only_scopes(["read", "write"]) and not read_only_scopes(["orders:rw"])
    assert not read_only_scopes([]) and not read_only_scopes(["profile"])
    op = Operation("GET", "/admin", security=({"oauth": ("admin", "read")},))
    assert missing_scopes(op, ["read"]) == ("admin",)
    assert missing_scopes(op, ["read", "admin"]) is None
    either = Operation("GET", "/x", security=({"oauth": ("admin",)}, {"key": ()}))
    assert missing_scopes(either, ["read"]) is None
    assert missing_scopes(Operation("GET", "/y"), ["read"]) is None
