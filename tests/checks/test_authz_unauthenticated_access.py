from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.apps.toy_api import ToyOptions, toy_config
from tests.checks.scanning import fired, scan_with
from tests.conftest import write_spec

CHECK = "authz-unauthenticated-access"


@pytest.mark.usefixtures("toy_env")
def test_fires_on_the_operation_that_forgets_authentication(
    tmp_path: Path, toy_server: Any
) -> None:
    url, _ = toy_server(ToyOptions(unauthenticated_orders=True))
    report = scan_with(tmp_path, toy_config(url, str(write_spec(tmp_path / "s.json"))), CHECK)
    assert fired(report) == [(CHECK, "GET /orders/{order_id}")]
    finding = report["findings"][0]
    assert finding["confidence"] == "certain" and finding["severity"] == "critical"
    assert "Authorization" not in finding["reproduce"]
    assert [e["response"]["status"] for e in finding["evidence"]] == [200, 200]


@pytest.mark.usefixtures("toy_env")
def test_silent_when_every_operation_authenticates(tmp_path: Path, toy_server: Any) -> None:
    url, _ = toy_server(ToyOptions())
    report = scan_with(tmp_path, toy_config(url, str(write_spec(tmp_path / "s.json"))), CHECK)
    assert fired(report) == []
    assert report["tasks"]["passed"] >= 3  # /me, /orders/{id}, /admin/users were really tested


@pytest.mark.usefixtures("toy_env")
def test_public_but_undeclared_endpoint_is_inconclusive_not_vulnerable(
    tmp_path: Path, toy_server: Any
) -> None:
    url, _ = toy_server(ToyOptions())
    undeclared = {
        "/health": {
            "get": {"security": [{"bearer": []}], "responses": {"200": {"description": "ok"}}}
        }
    }
    report = scan_with(
        tmp_path,
        toy_config(url, str(write_spec(tmp_path / "s.json", extra_paths=undeclared))),
        CHECK,
    )
    assert fired(report) == []
    reasons = [
        t["reason"]
        for t in report["inconclusive"]
        if t["operation"] == {"method": "GET", "path": "/health"}
    ]
    assert reasons and "looks public" in reasons[0]
