"""The certified OpenID Provider (panva/oidc-provider, pinned in tests/oauth/provider) on 127.0.0.1.

The oauth- family's negative control: strict, it must give no finding above info; in its one
weakened configuration (`--weak`), the checks must find what was weakened. Needs node ≥ 20 and
`npm ci` in tests/oauth/provider (`.ci/run` does it); without them the tests that need the
provider skip and say why — never pass silently.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from authsift.cli import app as app_cli

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oauth" / "provider"
REDIRECT_URI = "http://127.0.0.1:9/callback"  # never listened on: the scan reads the redirect
CLIENTS = {
    "authsift-main": "main-client-secret-for-tests-only",
    "authsift-second": "second-client-secret-for-tests-only",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def provider_missing() -> str | None:
    """Why the provider cannot start here, or None."""
    if shutil.which("node") is None:
        return "node is not installed: the oidc-provider control cannot run"
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return f"oidc-provider is not installed: run `npm ci` in {PROVIDER_DIR}"
    return None


@contextlib.contextmanager
def running_provider(weak: bool = False) -> Iterator[str]:
    """Start the provider; yields its issuer URL. Skips the test when node is missing."""
    reason = provider_missing()
    if reason is not None:
        pytest.skip(reason)
    port = _free_port()
    args = ["node", "server.mjs", str(port), REDIRECT_URI] + (["--weak"] if weak else [])
    process = subprocess.Popen(
        args, cwd=PROVIDER_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(
                    issuer + "/.well-known/openid-configuration", timeout=1
                ):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"oidc-provider did not start: {err[-2000:]}") from None
                time.sleep(0.1)
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()


def oauth_config(issuer: str) -> dict[str, object]:
    """The `oauth:` section for the provider's two clients and a test user."""
    client, second = list(CLIENTS.items())
    return {
        "issuer": issuer,
        "scope": "openid",
        "client": {
            "client_id": client[0],
            "client_secret": client[1],
            "redirect_uri": REDIRECT_URI,
        },
        "second_client": {
            "client_id": second[0],
            "client_secret": second[1],
            "redirect_uri": REDIRECT_URI,
        },
        "user": {"username": "tester", "password": "${OAUTH_TEST_PASSWORD}"},
    }


@functools.cache
def provider_scan(weak: bool) -> dict[str, Any]:
    """Every oauth- check against the provider (strict or weakened), with the toy API as the
    target, scanned once per test process: the JSON report. Skips when node is missing."""
    from tests.apps.toy_api import PASSWORD_ENV, ToyOptions, make_app, serve_in_thread, toy_config
    from tests.checks.oauth_helpers import oauth_check_ids
    from tests.conftest import write_spec, write_yaml

    reason = provider_missing()
    if reason is not None:
        pytest.skip(reason)
    app, _ = make_app(ToyOptions())
    with tempfile.TemporaryDirectory() as tmp, serve_in_thread(app) as url:
        folder = Path(tmp)
        with running_provider(weak=weak) as issuer:
            spec = write_spec(folder / "openapi.json")
            config = {
                **toy_config(url, str(spec), oauth=oauth_config(issuer)),
                "checks": {"include": list(oauth_check_ids())},
                "report": {"formats": ["json"]},
            }
            path = write_yaml(folder / "authsift.yaml", config)
            out = folder / "report.json"
            env = {**os.environ, **PASSWORD_ENV, "OAUTH_TEST_PASSWORD": "any-password"}
            result = CliRunner(env=env).invoke(
                app_cli, ["scan", "-c", str(path), "-o", str(out), "--quiet"]
            )
            assert result.exit_code in (0, 1), result.output
            report: dict[str, Any] = json.loads(out.read_text())
            return report
