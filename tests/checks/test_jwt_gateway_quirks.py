"""The verdicts the lab cannot show: a gateway that fetches `jku` URLs before refusing the
token (SSRF, high) and one whose `kid` lookup crashes (kid parsing anomaly, medium).

A tiny real server on 127.0.0.1 plays the gateway; the scans run the real CLI (`scan_with`).
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from authsift.jose import JoseError, parse_compact, sign
from tests.apps.toy_api import serve_in_thread
from tests.checks.scanning import fired, scan_with

SECRET = secrets.token_bytes(32)  # random: nothing to crack, nothing to guess
USERS = {
    "1": {"id": 1, "username": "alice", "email": "alice@gateway.example"},
    "2": {"id": 2, "username": "bob", "email": "bob@gateway.example"},
}


def mint(sub: str) -> str:
    claims = {"sub": sub, "iat": int(time.time()), "exp": int(time.time()) + 3600}
    return sign({"typ": "JWT", "kid": "k1"}, claims, SECRET, "HS256")


def _refuse() -> web.Response:
    return web.json_response({"error": "invalid_token"}, status=401)


async def me(request: web.Request) -> web.Response:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return _refuse()
    try:
        token = parse_compact(header[7:])
    except JoseError:
        return _refuse()
    jku = token.header.get("jku")
    if isinstance(jku, str) and jku.startswith("http://127.0.0.1:"):
        # "warm the key cache" before the allowlist check: the fetch happens, the token fails
        timeout = aiohttp.ClientTimeout(total=2)
        async with aiohttp.ClientSession(timeout=timeout) as client, client.get(jku) as answer:
            await answer.read()
        return _refuse()
    kid = token.header.get("kid")
    if kid != "k1":
        trace = f"FileNotFoundError: [Errno 2] No such file or directory: 'keys/{kid}.pem'"
        return web.Response(status=500, text=trace)
    expected = hmac.digest(SECRET, token.signing_input, "sha256")
    claims = token.payload or {}
    user = USERS.get(str(claims.get("sub")))
    if token.alg != "HS256" or not hmac.compare_digest(expected, token.signature) or not user:
        return _refuse()
    return web.json_response(user)


def spec() -> dict[str, Any]:
    ok = {"200": {"description": "the caller"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "gateway", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {"/me": {"get": {"security": [{"bearer": []}], "responses": ok}}},
    }


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    app = web.Application()
    app.router.add_get("/me", me)
    with serve_in_thread(app) as url:
        yield url


def config(url: str, tmp_path: Path) -> dict[str, Any]:
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec()), encoding="utf-8")
    return {
        "target": url,
        "spec": str(spec_path),
        "identities": [
            {"name": "alice", "auth": {"type": "bearer", "token": mint("1")}},
            {"name": "bob", "auth": {"type": "bearer", "token": mint("2")}},
        ],
        "limits": {"rate": 200, "concurrency": 4, "timeout": 3, "max_time": 60},
    }


def test_fetch_without_acceptance_is_a_high_ssrf_finding(gateway: str, tmp_path: Path) -> None:
    check = "jwt-remote-key-url-injection"
    report = scan_with(tmp_path, config(gateway, tmp_path), check)
    assert fired(report) == [(check, None)], report["inconclusive"]
    finding = report["findings"][0]
    assert finding["severity"] == "high" and "SSRF" in finding["title"]
    assert any(path.startswith("/jku/") for path in finding["details"]["fetched"])


def test_kid_lookup_errors_are_a_medium_anomaly(gateway: str, tmp_path: Path) -> None:
    check = "jwt-kid-injection"
    report = scan_with(tmp_path, config(gateway, tmp_path), check)
    assert fired(report) == [(check, None)], report["inconclusive"]
    finding = report["findings"][0]
    assert finding["severity"] == "medium" and finding["confidence"] == "tentative"
    assert finding["details"]["status"] == 500
