"""The whole pipeline against real servers on 127.0.0.1: scope, freshness, back-off, failures,
secrets in every output, schema validity, and the dry-run estimate."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import jwt
import pytest
from typer.testing import CliRunner

from authsift.cli import app
from tests.apps.toy_api import PASSWORD_ENV, SECRET, ToyOptions, toy_config
from tests.conftest import write_spec, write_yaml

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def scan(tmp_path: Path, config: dict[str, Any], *args: str) -> Any:
    path = write_yaml(tmp_path / "authsift.yaml", config)
    return runner.invoke(app, ["scan", "-c", str(path), "-o", str(tmp_path / "out"), *args])


def har_entries(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text())["log"]["entries"])


@pytest.mark.usefixtures("toy_env")
def test_servers_and_redirects_never_leave_scope(tmp_path: Path, toy_server: Any) -> None:
    bystander_url, bystander = toy_server(ToyOptions())
    url, _ = toy_server(
        ToyOptions(redirect_to=bystander_url + "/health", spec_servers=[bystander_url])
    )
    spec = write_spec(
        tmp_path / "spec.json",
        servers=[bystander_url],
        extra_paths={
            "/go": {
                "get": {"security": [{"bearer": []}], "responses": {"200": {"description": "x"}}}
            }
        },
    )
    result = scan(tmp_path, toy_config(url, str(spec)), "--har", str(tmp_path / "scan.har"))
    assert result.exit_code in (0, 1), result.output
    assert sum(bystander.hits.values()) == 0
    redirects = [
        e for e in har_entries(tmp_path / "scan.har") if e["request"]["url"].endswith("/go")
    ]
    assert redirects and all(e["response"]["status"] == 302 for e in redirects)


@pytest.mark.slow
@pytest.mark.usefixtures("toy_env")
def test_two_second_tokens_never_reach_a_check_stale(tmp_path: Path, toy_server: Any) -> None:
    url, state = toy_server(ToyOptions(token_lifetime=2.0))
    spec = write_spec(tmp_path / "spec.json")
    config = toy_config(
        url, str(spec), limits={"rate": 6, "concurrency": 2, "timeout": 2, "max_time": 60}
    )
    result = scan(tmp_path, config, "--har", str(tmp_path / "scan.har"))
    assert result.exit_code in (0, 1), result.output
    entries = har_entries(tmp_path / "scan.har")
    duration = entries[-1]["startedDateTime"] > entries[0]["startedDateTime"]
    assert duration and len(entries) > 30
    assert state.logins > 3  # tokens were renewed during the scan
    report = json.loads((tmp_path / "out" / "authsift.json").read_text())
    # a stale token would make a baseline fail with 401 and its task inconclusive
    assert not [t for t in report["inconclusive"] if "401" in t.get("reason", "")], report[
        "inconclusive"
    ]
    # every 401 to an identity's request was renewed and replayed with a non-401 answer
    for index, entry in enumerate(entries):
        if entry["response"]["status"] == 401 and entry["comment"].startswith("as "):
            later = [
                e
                for e in entries[index + 1 :]
                if e["request"]["url"] == entry["request"]["url"]
                and e["comment"] == entry["comment"]
            ]
            assert later and later[0]["response"]["status"] != 401


@pytest.mark.slow
@pytest.mark.usefixtures("toy_env")
def test_429_is_honoured_and_failures_are_recorded(tmp_path: Path, toy_server: Any) -> None:
    url, _ = toy_server(ToyOptions(limit_first=2))
    bearer = [{"bearer": []}]
    extra = {
        p: {"get": {"security": bearer, "responses": {"200": {"description": "x"}}}}
        for p in ("/boom", "/reset", "/slow")
    }
    spec = write_spec(tmp_path / "spec.json", extra_paths=extra)
    result = scan(tmp_path, toy_config(url, str(spec)), "--har", str(tmp_path / "scan.har"))
    assert result.exit_code in (0, 1), result.output
    entries = har_entries(tmp_path / "scan.har")
    me = [e for e in entries if e["request"]["url"].endswith("/me")]
    assert [e["response"]["status"] for e in me[:3]] == [429, 429, 200]
    assert me[2]["startedDateTime"] > me[0]["startedDateTime"]
    statuses = {e["request"]["url"].rsplit("/", 1)[-1]: e for e in entries}
    assert statuses["boom"]["response"]["status"] == 500
    assert (
        "connection" in statuses["reset"]["comment"] or statuses["reset"]["response"]["status"] == 0
    )
    assert "timeout" in statuses["slow"]["comment"]
    report = json.loads((tmp_path / "out" / "authsift.json").read_text())
    reasons = " ".join(t.get("reason", "") for t in report["inconclusive"])
    assert "500" in reasons and "timeout" in reasons


def _real_tokens(text: str) -> list[str]:
    found = []
    for candidate in re.findall(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+", text):
        try:
            jwt.decode(candidate, SECRET, algorithms=["HS256"], options={"verify_exp": False})
        except jwt.InvalidTokenError:
            continue
        found.append(candidate)
    return found


@pytest.mark.usefixtures("toy_env")
def test_no_secret_in_any_output(
    tmp_path: Path, toy_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    url, _ = toy_server(ToyOptions(unauthenticated_orders=True, fail_open=True))
    spec = write_spec(tmp_path / "spec.json")
    caplog.set_level("DEBUG")
    result = scan(
        tmp_path, toy_config(url, str(spec)), "--har", str(tmp_path / "scan.har"), "--verbose"
    )
    assert result.exit_code == 1, result.output  # the two flaws are found
    outputs = {p.name: p.read_text() for p in (tmp_path / "out").iterdir()}
    outputs["scan.har"] = (tmp_path / "scan.har").read_text()
    outputs["console"] = result.output
    outputs["logs"] = caplog.text
    assert {"authsift.json", "authsift.sarif", "authsift-junit.xml", "authsift.html"} <= set(
        outputs
    )
    secrets = list(PASSWORD_ENV.values())
    secrets += [base64.b64encode(s.encode()).decode() for s in secrets]
    for name, text in outputs.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} leaked into {name}"
        assert _real_tokens(text) == [], f"a live token leaked into {name}"
    report = json.loads(outputs["authsift.json"])
    found = {f["check"] for f in report["findings"]}
    assert {"authz-unauthenticated-access", "authz-invalid-credential-accepted"} <= found
    assert "$ALICE_TOKEN" in outputs["authsift.json"]  # placeholders stand in for the token


@pytest.mark.usefixtures("toy_env")
def test_reports_validate_against_their_schemas(tmp_path: Path, toy_server: Any) -> None:
    url, _ = toy_server(ToyOptions(unauthenticated_orders=True))
    spec = write_spec(tmp_path / "spec.json")
    result = scan(tmp_path, toy_config(url, str(spec)))
    assert result.exit_code == 1, result.output
    sarif_schema = json.loads((REPO / "tests/reports/data/sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(json.loads((tmp_path / "out/authsift.sarif").read_text()), sarif_schema)
    report_schema = json.loads(
        (REPO / "src/authsift/reports/schema/report.schema.json").read_text()
    )
    jsonschema.validate(json.loads((tmp_path / "out/authsift.json").read_text()), report_schema)


@pytest.mark.usefixtures("toy_env")
def test_dry_run_estimate_is_within_20_percent(tmp_path: Path, toy_server: Any) -> None:
    url, state = toy_server(ToyOptions())
    spec = write_spec(tmp_path / "spec.json")
    # the authz family: what this small API exercises (tests/test_demo.py covers every check)
    config = toy_config(url, str(spec), checks={"include": ["authz"]})
    dry = scan(tmp_path, config, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert sum(state.hits.values()) == 0  # a dry run sends nothing (the spec is a file)
    estimate = int(re.search(r"~(\d+) requests", dry.output).group(1))  # type: ignore[union-attr]
    result = scan(tmp_path, config)
    assert result.exit_code in (0, 1), result.output
    sent = json.loads((tmp_path / "out/authsift.json").read_text())["stats"]["requests"]
    assert abs(sent - estimate) <= 0.2 * sent, (estimate, sent)


def test_broken_config_exits_2_with_one_line(tmp_path: Path) -> None:
    config = {
        "target": "http://127.0.0.1:9",
        "identities": [{"name": "a", "auth": {"type": "beare", "token": "x"}}],
    }
    result = scan(tmp_path, config)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "identities[0].auth.type" in lines[0], result.output


@pytest.mark.usefixtures("toy_env")
def test_failing_identity_exits_2_naming_it(
    tmp_path: Path, toy_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = toy_server(ToyOptions())
    monkeypatch.setenv("TOY_BOB_PASSWORD", "wrong")
    result = scan(tmp_path, toy_config(url, str(write_spec(tmp_path / "spec.json"))))
    assert result.exit_code == 2
    assert "bob: login returned 401" in result.output


@pytest.mark.usefixtures("toy_env")
def test_spec_is_discovered_under_the_target_when_not_configured(
    tmp_path: Path, toy_server: Any
) -> None:
    url, state = toy_server(ToyOptions())
    config = toy_config(url, "unused")
    del config["spec"]
    result = scan(tmp_path, config)
    assert result.exit_code == 0, result.output
    assert state.hits["/openapi.json"] >= 1
    report = json.loads((tmp_path / "out" / "authsift.json").read_text())
    assert report["spec"] == f"{url}/openapi.json" and report["tasks"]["passed"] > 0
