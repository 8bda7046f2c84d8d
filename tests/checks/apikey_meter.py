"""The `meter` practice target (tests/targets/meter: stdlib http.server, API keys), started in a
subprocess on a free 127.0.0.1 port and scanned with its own config and the api-key checks.

A decoy API in a style unlike the lab: whole-key hashes, immediate revocation, a publishable key
documented in the query; and three flaws (key in `?key=`, a read-only key that writes, a key that
reads the owner's profile).
"""

from __future__ import annotations

import asyncio
import functools
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from authsift.config import load_config
from authsift.engine.scan import ScanOptions, run_scan
from authsift.model import ScanResult
from tests.checks.apikey_helpers import APIKEY_CHECKS

METER = Path(__file__).resolve().parents[1] / "targets" / "meter"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _up(port: int) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://127.0.0.1:{port}/openapi.json", timeout=1):
            return True
    except OSError:
        return False


@functools.cache
def meter_scan(hardened: bool) -> ScanResult:
    port = _free_port()
    argv = [sys.executable, "app.py", str(port), *(["--hardened"] if hardened else [])]
    server = subprocess.Popen(argv, cwd=METER, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while not _up(port):
            assert server.poll() is None and time.monotonic() < deadline, "meter did not start"
            time.sleep(0.1)
        config = load_config(METER / "authsift.yaml", env={"PORT": str(port)}).override(
            {"checks.include": list(APIKEY_CHECKS), "report.formats": ["json"]}
        )
        return asyncio.run(run_scan(ScanOptions(config=config, config_dir=METER)))
    finally:
        server.terminate()
        server.wait(10)
