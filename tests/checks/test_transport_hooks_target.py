"""The transport reviews on an API unlike the lab: the `hooks` practice target (standard-library
http.server, cookie sessions) with plaintext passwords, a bcrypt hash, full webhook secrets and
credentialed CORS reflection; its hardened twin (and its decoys: a public key, UUIDs, SHA-256 of
public data, the login answer's session, a fixed CORS allow-list) stays silent."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from authsift.config import load_config
from authsift.engine.scan import ScanOptions, run_scan
from authsift.model import ScanResult

TARGET = Path(__file__).parents[1] / "targets" / "hooks"
CHECKS = [
    "transport-credential-exposure",
    "transport-cors-credentialed-reflection",
    "transport-token-response-cacheable",
    "transport-www-authenticate-conformance",
    "transport-cleartext-credentials",
    "authz-unauthenticated-access",  # its baselines fetch every read-only operation
]


@contextmanager
def hooks(hardened: bool) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = [sys.executable, "app.py", str(port), *(["--hardened"] if hardened else [])]
    child = subprocess.Popen(argv, cwd=TARGET, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        for _ in range(100):
            try:
                opener.open(url + "/api/status", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        child.terminate()
        child.wait(timeout=10)


def scan(tmp_path: Path, hardened: bool) -> ScanResult:
    with hooks(hardened) as url:
        raw = yaml.safe_load(
            (TARGET / "authsift.yaml").read_text().replace("${PORT}", url.rsplit(":", 1)[1])
        )
        raw["checks"] = {"include": CHECKS, "intrusive": False}
        raw["limits"] = {"rate": 500, "concurrency": 4, "max_time": 120}
        raw["report"] = {"formats": ["json"], "dir": str(tmp_path)}
        path = tmp_path / "authsift.yaml"
        path.write_text(yaml.safe_dump(raw))
        config = load_config(path, env=dict(os.environ))
        return __import__("asyncio").run(run_scan(ScanOptions(config=config, config_dir=tmp_path)))


@pytest.mark.timeout(180)
def test_found_on_the_flawed_api_and_values_redacted(tmp_path: Path) -> None:
    result = scan(tmp_path, hardened=False)
    found = {
        (f.check_id, f.operation.key if f.operation else None, f.title) for f in result.findings
    }
    exposure = {
        (op, title) for check, op, title in found if check == "transport-credential-exposure"
    }
    assert ("GET /api/team/members", "A password in the response") in exposure, found
    assert ("GET /api/accounts/{account_id}", "Password hashes in the response") in exposure
    assert any(op == "GET /api/hooks" for op, _ in exposure), exposure
    cors = [f for f in result.findings if f.check_id == "transport-cors-credentialed-reflection"]
    assert len(cors) == 1 and cors[0].severity.value == "high"  # a cookie session
    dumped = json.dumps([repr(f) for f in result.findings])
    for secret in ("$2b$12$Kx0m", "whsec_4f9a", "Bob-hooks-2024", "Alice-hooks-2024"):
        assert secret not in dumped, secret
    decoys = {"GET /api/keys/signing", "GET /api/hooks/{hook_id}/deliveries", "POST /api/login"}
    assert not [f for f in found if f[1] in decoys], found


@pytest.mark.timeout(180)
def test_silent_on_the_hardened_twin(tmp_path: Path) -> None:
    result = scan(tmp_path, hardened=True)
    transport = [f for f in result.findings if f.check_id.startswith("transport-")]
    assert transport == [], [(f.check_id, f.title, f.description) for f in transport]
