"""oauth-metadata-issuer-validation against a certified provider and a misconfigured one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from typer.testing import CliRunner

from authsift.cli import app
from tests.apps.toy_api import ToyOptions, serve_in_thread, toy_config
from tests.checks.oauth_expectations import assert_lab_hardened_silent, lab_finding
from tests.checks.oauth_provider import oauth_config, running_provider
from tests.checks.scanning import scan_with
from tests.conftest import write_spec, write_yaml

CHECK = "oauth-metadata-issuer-validation"


def _findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["check"] == CHECK]


@pytest.mark.usefixtures("toy_env")
def test_certified_provider_gets_nothing_above_info(
    tmp_path: Path, toy_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAUTH_TEST_PASSWORD", "any-password")
    url, _ = toy_server(ToyOptions())
    spec = write_spec(tmp_path / "openapi.json")
    with running_provider() as issuer:
        report = scan_with(tmp_path, toy_config(url, str(spec), oauth=oauth_config(issuer)), CHECK)
    assert _findings(report) == []
    remarks = [n["remark"] for n in report["hygiene"]]
    assert any("plain http on a loopback address" in r for r in remarks), remarks


def _fake_server(document: dict[str, Any]) -> web.Application:
    async def well_known(request: web.Request) -> web.Response:
        return web.json_response(document)

    app = web.Application()
    app.router.add_get("/.well-known/openid-configuration", well_known)
    return app


@pytest.mark.usefixtures("toy_env")
def test_foreign_issuer_and_remote_http_endpoints_are_high(tmp_path: Path, toy_server: Any) -> None:
    url, _ = toy_server(ToyOptions())
    spec = write_spec(tmp_path / "openapi.json")
    document = {
        "issuer": "https://login.other.example",
        "authorization_endpoint": "https://login.other.example/authorize",
        "token_endpoint": "http://idp.example/token",
        "authorization_response_iss_parameter_supported": True,
    }
    with serve_in_thread(_fake_server(document)) as issuer:
        report = scan_with(tmp_path, toy_config(url, str(spec), oauth={"issuer": issuer}), CHECK)
    (finding,) = _findings(report)
    assert finding["severity"] == "high"
    assert "login.other.example" in finding["description"]
    assert "plain http for token_endpoint" in finding["description"]


@pytest.mark.usefixtures("toy_env")
def test_without_an_authorization_server_the_selection_says_what_is_missing(
    tmp_path: Path, toy_server: Any
) -> None:
    url, _ = toy_server(ToyOptions())
    spec = write_spec(tmp_path / "openapi.json")
    config = {**toy_config(url, str(spec)), "checks": {"include": [CHECK]}}
    path = write_yaml(tmp_path / "authsift.yaml", config)
    result = CliRunner().invoke(app, ["scan", "-c", str(path), "--quiet"])
    assert result.exit_code == 2
    assert "needs an authorization server to audit (oauth.issuer)" in result.output


def test_fires_on_the_lab_flaw() -> None:
    finding = lab_finding(CHECK)
    assert finding.severity == "high"
    assert "(RFC 8414 §3.3: MUST be identical)" in finding.description


def test_silent_on_the_hardened_lab() -> None:
    assert_lab_hardened_silent(CHECK)
