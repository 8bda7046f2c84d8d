"""The command line as a user meets it: every command, and every kind of bad input ending in a
clear line and exit 2, never a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import shlex
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from authsift import __version__
from authsift.app.workflow import ScanJob, execute
from authsift.checks.base import registry
from authsift.cli import app
from authsift.config import load_config
from tests.apps.toy_api import ToyOptions, toy_config
from tests.conftest import write_spec, write_yaml

runner = CliRunner()


def test_version_checks_and_explain() -> None:
    for args in (["version"], ["--version"], ["-V"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and result.output == f"authsift {__version__}\n", args
    listed = runner.invoke(app, ["checks", "--json"])
    rows = json.loads(listed.output)
    assert {"authz-unauthenticated-access", "authz-invalid-credential-accepted"} <= {
        r["id"] for r in rows
    }
    explained = runner.invoke(app, ["explain", "authz-unauthenticated-access"])
    assert explained.exit_code == 0 and "Remediation" in explained.output
    unknown = runner.invoke(app, ["explain", "authz-unauthenticated-acess"])
    assert unknown.exit_code == 2 and "did you mean authz-unauthenticated-access" in unknown.output
    typo = runner.invoke(app, ["explain", "jwt-alg-non"])
    assert typo.exit_code == 2 and "did you mean jwt-alg-none?" in typo.output
    assert len(typo.output.strip().splitlines()) == 1 and "Traceback" not in typo.output


@pytest.mark.parametrize(
    "command",
    [[], ["scan"], ["demo"], ["lab"], ["checks"], ["explain"], ["init"], ["jwt"], ["jwt", "forge"]],
)
def test_dash_h_is_help_everywhere(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "-h"])
    assert result.exit_code == 0, result.output
    assert "Usage: authsift" in result.output and "--help" in result.output


@pytest.mark.parametrize("command", [[], ["scan"]])
def test_help_shows_examples_and_exit_codes(command: list[str]) -> None:
    text = runner.invoke(app, [*command, "--help"]).output
    assert "Examples" in text and "authsift scan -c authsift.yaml --dry-run" in text
    assert "Exit codes" in text
    for code in ("0  the scan ran", "1  at least one finding", "2  setup error"):
        assert code in text


def test_demo_help_explains_its_exit_code() -> None:
    text = " ".join(runner.invoke(app, ["demo", "--help"]).output.split())
    assert "A real scan with these findings would exit 1 (fail_on: high)" in text


def test_checks_reads_at_80_columns() -> None:
    """Ids are what users copy: whole at 80 columns, in a real terminal-less process."""
    env = {**os.environ, "COLUMNS": "80"}
    table = subprocess.run(
        [sys.executable, "-m", "authsift", "checks"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = table.splitlines()
    assert all(len(line) <= 80 for line in lines)
    firsts = {line.split()[0] for line in lines if line.strip()}
    assert set(registry()) <= firsts
    assert "--json" in runner.invoke(app, ["checks", "--help"]).output


def test_config_schema_is_json_schema() -> None:
    result = runner.invoke(app, ["config-schema"])
    schema = json.loads(result.output)
    assert "identities" in schema["properties"] and "target" in schema["required"]


def test_init_writes_a_starter_that_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = write_spec(
        tmp_path / "spec.json",
        extra_paths={
            "/auth/login": {
                "post": {
                    "security": [],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "username": {"type": "string"},
                                        "password": {"type": "string"},
                                    },
                                }
                            }
                        }
                    },
                    "responses": {"200": {"description": "token"}},
                }
            }
        },
    )
    out = tmp_path / "authsift.yaml"
    result = runner.invoke(
        app, ["init", "--spec", str(spec), "--target", "http://127.0.0.1:9", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "/auth/login" in out.read_text()
    again = runner.invoke(app, ["init", "--spec", str(spec), "-o", str(out)])
    assert again.exit_code == 2 and "exists" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan"], "give a config file"),
        (["scan", "-c", "/nonexistent/authsift.yaml"], "config file not found"),
        (["scan", "http://127.0.0.1:9", "--identity", "alice:bearer:sekrit"], "error:"),
        (["lab", "--flaws", "no-such-flaw"], "unknown flaw"),
    ],
)
def test_bad_input_is_one_clear_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_broken_spec_names_the_pointer(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(
        json.dumps(
            {
                "openapi": "3.0.3",
                "info": {"title": "x", "version": "1"},
                "paths": {"/a": {"get": {"parameters": [{"in": "query"}]}}},
            }
        )
    )
    config = {
        "target": "http://127.0.0.1:9",
        "spec": str(spec),
        "identities": [{"name": "a", "auth": {"type": "bearer", "token": "t0k3n-value"}}],
    }
    path = write_yaml(tmp_path / "a.yaml", config)
    result = runner.invoke(app, ["scan", "-c", str(path), "--dry-run"])
    assert result.exit_code == 2
    assert "#/paths/~1a/get/parameters/0" in result.output and "Traceback" not in result.output


def test_unreachable_target_is_a_setup_error(tmp_path: Path) -> None:
    config = {
        "target": "http://127.0.0.1:9",
        "spec": str(write_spec(tmp_path / "s.json")),
        "identities": [{"name": "a", "auth": {"type": "bearer", "token": "t0k3n-value"}}],
    }
    path = write_yaml(tmp_path / "a.yaml", config)
    result = runner.invoke(app, ["scan", "-c", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert (
        "a: GET /me failed: connection failed" in result.output and "Traceback" not in result.output
    )


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (["--include", "authz-bola"], '"authz-bola" (did you mean authz-bola-read?)'),
        (["--include", "authz-bola-read,jwt-alg-nne"], "(did you mean jwt-alg-none?)"),
        (["--exclude", "jwtt"], 'checks.exclude: unknown check or family "jwtt"'),
        (["--include", "ratelimit"], "(did you mean rl?)"),
        (["--include", "jwt", "--exclude", "jwt"], "nothing to run"),
    ],
)
def test_a_check_selection_that_runs_nothing_is_an_error(
    tmp_path: Path, selection: list[str], message: str
) -> None:
    """Issue 14 §2: `--include authz-bola` used to run 0 checks and exit 0, green in CI."""
    config = {
        "target": "http://127.0.0.1:9",
        "spec": str(write_spec(tmp_path / "s.json")),
        "identities": [{"name": "a", "auth": {"type": "bearer", "token": "t0k3n-value"}}],
    }
    path = write_yaml(tmp_path / "a.yaml", config)
    for extra in ([], ["--dry-run"]):
        result = runner.invoke(app, ["scan", "-c", str(path), *selection, *extra])
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output


@pytest.mark.usefixtures("toy_env")
def test_a_plan_with_no_task_is_an_error_not_a_clean_scan(tmp_path: Path, toy_server: Any) -> None:
    url, _ = toy_server(ToyOptions())
    config = toy_config(url, str(write_spec(tmp_path / "s.json")), report={"formats": ["json"]})
    config["checks"] = {"include": ["authz-bola-write"]}  # state-changing: needs intrusive
    path = write_yaml(tmp_path / "a.yaml", config)
    result = runner.invoke(app, ["scan", "-c", str(path), "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 2, result.output
    assert "nothing to test: authz-bola-write: needs checks.intrusive" in result.output
    assert "Traceback" not in result.output


@contextlib.contextmanager
def forward_proxy() -> Iterator[tuple[str, list[str]]]:
    """A minimal HTTP forward proxy on 127.0.0.1 that records absolute-form request lines."""
    seen: list[str] = []
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    port: dict[str, int] = {}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            line = await reader.readline()
            if not line:
                break
            method, target, _ = line.decode().split(" ", 2)
            headers: dict[str, str] = {}
            while (header := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = header.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            seen.append(f"{method} {target}")
            forwarded = {
                k: v
                for k, v in headers.items()
                if k not in ("host", "proxy-connection", "connection")
            }
            request = urllib.request.Request(
                target, data=body or None, headers=forwarded, method=method
            )
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            try:
                with await loop.run_in_executor(None, opener.open, request) as response:
                    status, reply, payload = response.status, response.headers, response.read()
            except urllib.error.HTTPError as error:
                status, reply, payload = error.code, error.headers, error.read()
            writer.write(f"HTTP/1.1 {status} X\r\n".encode())
            for name, value in reply.items():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    writer.write(f"{name}: {value}\r\n".encode())
            writer.write(f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
            await writer.drain()
        writer.close()

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(asyncio.start_server(handle, "127.0.0.1", 0))
        port["value"] = server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()
        server.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(5)
    try:
        yield f"http://127.0.0.1:{port['value']}", seen
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


@pytest.mark.usefixtures("toy_env")
def test_proxy_carries_the_scan_traffic(tmp_path: Path, toy_server: Any) -> None:
    url, state = toy_server(ToyOptions())
    config = toy_config(url, str(write_spec(tmp_path / "s.json")), report={"formats": ["json"]})
    config["checks"] = {"include": ["authz-invalid-credential-accepted"]}
    path = write_yaml(tmp_path / "a.yaml", config)
    with forward_proxy() as (proxy, seen):
        result = runner.invoke(
            app, ["scan", "-c", str(path), "--proxy", proxy, "-o", str(tmp_path / "r.json"), "-q"]
        )
    assert result.exit_code == 0, result.output
    assert f"POST {url}/auth/login" in seen
    assert len(seen) == sum(state.hits.values())  # every request went through the proxy
    assert yaml.safe_load(path.read_text())["target"] == url


@pytest.mark.usefixtures("toy_env")
def test_curl_lines_print_whole_at_80_columns(tmp_path: Path, toy_server: Any) -> None:
    """Issue 14 §6: the reproduce line is outside the panel and never wrapped, so a terminal
    copy (or a log file) gives one valid command line; finding titles are never cut."""
    url, _ = toy_server(ToyOptions(fail_open=True))
    config = toy_config(url, str(write_spec(tmp_path / "s.json")), report={"formats": ["json"]})
    config["checks"] = {"include": ["authz-invalid-credential-accepted"]}
    path = write_yaml(tmp_path / "a.yaml", config)
    screen = io.StringIO()
    console = Console(file=screen, width=80, color_system=None)
    job = ScanJob(
        config=load_config(path), config_dir=tmp_path, output=tmp_path / "r", progress=False
    )
    outcome = execute(job, console, console)
    assert outcome.result is not None and outcome.result.findings, screen.getvalue()
    lines = screen.getvalue().splitlines()
    for finding in outcome.result.findings:
        assert len(finding.reproduce) > 80  # long enough to have been wrapped before
        assert finding.reproduce in lines  # one whole line, no border, no indent
        assert shlex.split(finding.reproduce)[0] == "curl"
        assert finding.title in " ".join(" ".join(lines).replace("│", " ").split())


# CHECKS.md ids of the six families the lab covers (apikey, jwt, authz, token, rl, transport)
CATALOG_IDS = frozenset(
    {
        "apikey-sole-user-auth",
        "apikey-mutation-accepted",
        "apikey-low-entropy",
        "apikey-over-privileged",
        "apikey-revocation-ineffective",
        "jwt-signature-not-verified",
        "jwt-alg-none",
        "jwt-alg-confusion-hmac",
        "jwt-weak-hmac-secret",
        "jwt-header-key-injection",
        "jwt-remote-key-url-injection",
        "jwt-kid-injection",
        "jwt-ecdsa-psychic-signature",
        "jwt-serialization-confusion",
        "jwt-audience-not-validated",
        "jwt-issuer-not-validated",
        "jwt-token-type-confusion",
        "jwt-jwks-key-hygiene",
        "authz-unauthenticated-access",
        "authz-invalid-credential-accepted",
        "authz-bola-read",
        "authz-bola-write",
        "authz-bfla-privileged-function",
        "authz-bfla-method-override",
        "authz-bopla-mass-assignment",
        "authz-bopla-excessive-exposure",
        "authz-path-variant-bypass",
        "authz-trusted-header-spoofing",
        "authz-scope-not-enforced",
        "authz-unlisted-endpoint",
        "token-access-lifetime-excessive",
        "token-expired-accepted",
        "token-not-revoked-on-logout",
        "token-not-revoked-on-password-change",
        "token-revocation-ineffective",
        "token-privilege-change-not-reflected",
        "token-refresh-not-rotated",
        "token-refresh-reuse-not-detected",
        "token-refresh-lifetime-excessive",
        "rl-login-bruteforce-account",
        "rl-credential-stuffing-spray",
        "rl-bypass-forwarded-headers",
        "rl-bypass-request-variants",
        "rl-captcha-not-enforced",
        "rl-otp-bruteforce",
        "rl-user-enum-response",
        "rl-user-enum-timing",
        "rl-token-guessing",
        "rl-resource-consumption",
        "rl-ratelimit-headers",
        "transport-credentials-in-query-accepted",
        "transport-credential-exposure",
        "transport-debug-log-exposure",
        "transport-cors-credentialed-reflection",
        "transport-token-response-cacheable",
        "transport-www-authenticate-conformance",
        "transport-cleartext-credentials",
        # the lab's authorization server (/idp)
        "oauth-metadata-issuer-validation",
        "oauth-implicit-grant-enabled",
        "oauth-ropc-grant-enabled",
        "oauth-pkce-support-and-plain",
        "oauth-pkce-not-enforced",
        "oauth-pkce-downgrade",
        "oauth-redirect-uri-validation",
        "oauth-state-nonce-handling",
        "oauth-oidc-none-alg",
        "oauth-auth-code-replay-and-lifetime",
        "oauth-code-client-binding",
        "oauth-client-auth-not-enforced",
        "oauth-refresh-token-binding",
        "oauth-sender-constraint-downgrade",
    }
)


def test_lab_lists_a_flaw_for_every_check_of_seven_families() -> None:
    result = runner.invoke(app, ["lab", "--list-flaws"])
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.output.splitlines() if line.strip()}
    assert listed == CATALOG_IDS
