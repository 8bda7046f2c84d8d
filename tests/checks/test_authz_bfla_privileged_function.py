from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from authsift.checks.authz.authz_bfla_privileged_function import privileged_hint
from authsift.lab.flaws import LabSettings
from authsift.model import Operation
from tests.apps.toy_api import serve_in_thread
from tests.checks.authz_helpers import outcomes_of, passed_on
from tests.checks.bfla_helpers import LabScan, lab, scan_lab_with
from tests.checks.scanning import fired, scan_with

CHECK = "authz-bfla-privileged-function"
FLAWED = LabSettings.only({CHECK})
HARDENED = LabSettings.hardened_twin()


@pytest.fixture(scope="module")
def flawed_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabScan]:
    with lab(FLAWED) as url:
        yield scan_lab_with(url, FLAWED, tmp_path_factory.mktemp("bfla"), [CHECK])


@pytest.fixture(scope="module")
def hardened_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabScan]:
    with lab(HARDENED) as url:
        yield scan_lab_with(url, HARDENED, tmp_path_factory.mktemp("bfla-h"), [CHECK])


def test_fires_on_the_admin_listing_open_to_every_user(flawed_scan: LabScan) -> None:
    assert flawed_scan.fired(CHECK) == ["GET /admin/users"]
    finding = next(f for f in flawed_scan.report["findings"] if f["check"] == CHECK)
    assert finding["severity"] == "critical" and finding["confidence"] == "certain"
    assert finding["identity"] in {"alice", "bob"} and finding["victim"] == "carol"
    statuses = [e["response"]["status"] for e in finding["evidence"]]
    assert statuses == [200, 401, 200]  # admin, anonymous refused, the user
    assert finding["details"]["similarity"] >= 0.9


def test_admin_functions_that_check_the_role_are_not_reported(flawed_scan: LabScan) -> None:
    # GET /admin/users/{user_id} refuses users (403): a SAFE cell, not a finding
    assert "GET /admin/users/{user_id}" not in flawed_scan.fired(CHECK)
    ordinary = {"GET /orders", "GET /me", "GET /documents"}
    assert not ordinary & set(flawed_scan.fired(CHECK))  # no spec hint: not privileged


def test_silent_on_the_hardened_lab(hardened_scan: LabScan) -> None:
    assert hardened_scan.report["findings"] == []
    tasks = [t for t in hardened_scan.result.tasks if t.check_id == CHECK]
    assert len(tasks) >= 10 and not [t for t in tasks if t.outcome.value == "error"]
    # it decided on the admin listing that is open to every user on the flawed lab
    passed = passed_on(hardened_scan.result, CHECK)
    assert "GET /admin/users" in passed, outcomes_of(hardened_scan.result, CHECK)


def test_spec_hints_mark_privileged_operations() -> None:
    assert privileged_hint(Operation("GET", "/admin/users")) is not None
    assert privileged_hint(Operation("GET", "/reports", tags=("internal",))) is not None
    scoped = Operation("GET", "/users", security=({"oauth": ("users:admin",)},))
    assert privileged_hint(scoped) == 'privileged scope "users:admin" in the spec'
    assert privileged_hint(Operation("GET", "/orders", security=({"oauth": ("read",)},))) is None
    assert privileged_hint(Operation("GET", "/administrators-guide")) is None


# ---------------------------------------------------------------- an API nobody here wrote

STAFF = {  # token → (name, role, e-mail)
    "tok-uma-3c1d9a7e": ("uma", "user", "uma@decoy.example"),
    "tok-ada-8e2b4f60": ("ada", "admin", "ada@decoy.example"),
}


def _decoy_app() -> web.Application:
    """/admin/users answers users `200 {"error": ...}` (a refusal in disguise, not a finding);
    /admin/export forgets the role check (a finding)."""

    def caller(request: web.Request) -> tuple[str, str, str] | None:
        return STAFF.get(request.headers.get("Authorization", "").removeprefix("Bearer "))

    async def me(request: web.Request) -> web.Response:
        who = caller(request)
        if who is None:
            return web.json_response({"error": "unauthorized"}, status=401)
        return web.json_response({"username": who[0], "email": who[2]})

    def staff_list(check_role: bool) -> Any:
        async def handler(request: web.Request) -> web.Response:
            who = caller(request)
            if who is None:
                return web.json_response({"error": "unauthorized"}, status=401)
            if check_role and who[1] != "admin":
                return web.json_response({"error": "forbidden", "message": "admins only"})
            rows = [
                {"id": i, "username": n, "email": e} for i, (n, _, e) in enumerate(STAFF.values())
            ]
            return web.json_response({"users": rows})

        return handler

    app = web.Application()
    app.router.add_get("/me", me)
    app.router.add_get("/admin/users", staff_list(check_role=True))
    app.router.add_get("/admin/export", staff_list(check_role=False))
    return app


def _decoy_config(url: str, spec: Path) -> dict[str, Any]:
    bearer = {"get": {"tags": ["admin"], "security": [{"bearer": []}], "responses": {}}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "decoy", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/me": {"get": {"security": [{"bearer": []}], "responses": {}}},
            "/admin/users": bearer,
            "/admin/export": bearer,
        },
    }
    spec.write_text(json.dumps(document), encoding="utf-8")
    return {
        "target": url,
        "spec": str(spec),
        "identities": [
            {"name": "uma", "role": "user", "auth": {"type": "bearer", "token": "${UMA_TOKEN}"}},
            {"name": "ada", "role": "admin", "auth": {"type": "bearer", "token": "${ADA_TOKEN}"}},
        ],
    }


def test_a_200_with_an_error_body_is_a_refusal_not_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UMA_TOKEN", "tok-uma-3c1d9a7e")
    monkeypatch.setenv("ADA_TOKEN", "tok-ada-8e2b4f60")
    with serve_in_thread(_decoy_app()) as url:
        report = scan_with(tmp_path, _decoy_config(url, tmp_path / "spec.json"), CHECK)
    assert fired(report) == [(CHECK, "GET /admin/export")]
    rows = {row["operation"]: row["cells"] for row in report["access_matrix"]["rows"]}
    assert rows["GET /admin/users"] == {"uma": "denied", "ada": "allowed", "anonymous": "denied"}
    assert rows["GET /admin/export"]["uma"] == "allowed"
