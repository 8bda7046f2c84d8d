from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.apps.toy_api import ToyOptions, toy_config
from tests.checks.scanning import fired, scan_with
from tests.conftest import write_spec

CHECK = "authz-invalid-credential-accepted"


@pytest.mark.usefixtures("toy_env")
def test_fires_when_bearer_null_fails_open(tmp_path: Path, toy_server: Any) -> None:
    url, _ = toy_server(ToyOptions(fail_open=True))
    report = scan_with(tmp_path, toy_config(url, str(write_spec(tmp_path / "s.json"))), CHECK)
    assert fired(report) == [(CHECK, None)]  # one finding per API
    finding = report["findings"][0]
    assert finding["details"]["variant"] == "bearer null"
    assert "Bearer null" in finding["reproduce"]


@pytest.mark.usefixtures("toy_env")
def test_silent_when_invalid_credentials_are_refused(tmp_path: Path, toy_server: Any) -> None:
    url, state = toy_server(ToyOptions())
    report = scan_with(tmp_path, toy_config(url, str(write_spec(tmp_path / "s.json"))), CHECK)
    assert fired(report) == []
    assert report["tasks"]["passed"] == 1
    assert state.hits["/me"] >= 12  # every invalid value was really sent
