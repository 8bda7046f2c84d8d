"""oauth-pkce-not-enforced against the certified provider, strict and weakened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.apps.toy_api import ToyOptions, toy_config
from tests.checks.oauth_provider import oauth_config, running_provider
from tests.checks.scanning import scan_with
from tests.conftest import write_spec

CHECK = "oauth-pkce-not-enforced"


def _scan(tmp_path: Path, toy_server: Any, weak: bool) -> dict[str, Any]:
    url, _ = toy_server(ToyOptions())
    spec = write_spec(tmp_path / "openapi.json")
    with running_provider(weak=weak) as issuer:
        return scan_with(tmp_path, toy_config(url, str(spec), oauth=oauth_config(issuer)), CHECK)


@pytest.fixture
def oauth_env(monkeypatch: pytest.MonkeyPatch, toy_env: None) -> None:
    monkeypatch.setenv("OAUTH_TEST_PASSWORD", "any-password")


@pytest.mark.usefixtures("oauth_env")
def test_strict_provider_requiring_pkce_is_not_reported(tmp_path: Path, toy_server: Any) -> None:
    report = _scan(tmp_path, toy_server, weak=False)
    assert [f for f in report["findings"] if f["check"] == CHECK] == []
    assert report["inconclusive"] == [] and report["errors"] == [], report


@pytest.mark.usefixtures("oauth_env")
def test_optional_pkce_is_found_with_the_redeemed_code(tmp_path: Path, toy_server: Any) -> None:
    report = _scan(tmp_path, toy_server, weak=True)
    (finding,) = [f for f in report["findings"] if f["check"] == CHECK]
    assert finding["severity"] == "medium"  # a confidential client: its secret still counts
    assert "issued without any challenge, redeemed without a verifier" in finding["description"]
    text = str(finding)
    assert "main-client-secret-for-tests-only" not in text
    assert "$OAUTH_CLIENT_BASIC" in text and "$OAUTH_CODE" in text
