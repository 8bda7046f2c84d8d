"""jwt-token-type-confusion: fires on its lab flaw, silent on the hardened lab
(real scans of the lab, see jwt_helpers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest

from tests.apps.toy_api import serve_in_thread
from tests.checks.jwt_helpers import (
    RECOVERING_CHECKS,
    api_wide,
    assert_silent,
    family_scan,
    outcomes,
)
from tests.checks.scanning import scan_with

CHECK = "jwt-token-type-confusion"


def test_fires_on_the_lab_flaw() -> None:
    result = family_scan("vulnerable")
    finding = api_wide(result, CHECK)  # the genuine refresh token and the chain: one finding
    assert "token_used" in finding.details or finding.details["recovered_by"] in RECOVERING_CHECKS
    assert "refresh" in finding.details["variant"]


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    # the genuine refresh-token JWT of a separate login was tried, and refused
    assert outcomes(result, CHECK)["GET /me"].startswith("passed")


def test_a_genuine_refresh_token_proves_it_without_a_recovered_key() -> None:
    """Issue 9: refresh and ID tokens obtained at login are handed to the check; with the
    type-confusion flaw alone (no weak secret, no key to chain with) the real token proves it."""
    from authsift.lab.flaws import LabSettings
    from tests.checks.jwt_helpers import lab, scan

    with lab(LabSettings.only({CHECK})) as target:
        result = scan(target, [CHECK])
    found = [f for f in result.findings if f.check_id == CHECK]
    assert len(found) == 1, outcomes(result, CHECK)
    assert "refresh token" in found[0].details["token_used"]
    assert found[0].severity == "high" and "recovered_by" not in found[0].details


# --------------------------------------------------------------------------- hygiene, not a finding


def _untyped_api() -> Any:
    """Bearer JWTs typed plain `JWT` (HS256, verified): correct, but not RFC 9068-typed."""
    from aiohttp import web

    async def me(request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        try:
            claims = pyjwt.decode(token, _KEY, algorithms=["HS256"])
        except pyjwt.PyJWTError as exc:
            raise web.HTTPUnauthorized(
                text='{"error": "token"}', content_type="application/json"
            ) from exc
        return web.json_response({"user": claims["sub"], "email": f"{claims['sub']}@t.example"})

    app = web.Application()
    app.router.add_get("/me", me)
    return app


_KEY = "a-long-random-test-key-of-32-bytes!!"


@pytest.mark.parametrize("rfc9068", [False, True])
def test_untyped_access_token_is_a_hygiene_remark_unless_the_api_follows_rfc_9068(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rfc9068: bool
) -> None:
    for name in ("ann", "ben"):
        token = pyjwt.encode({"sub": name, "exp": 4102444800}, _KEY, headers={"typ": "JWT"})
        monkeypatch.setenv(f"TT_{name.upper()}", token)
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/me": {"get": {"security": [{"b": []}], "responses": {"200": {}}}}},
        "components": {"securitySchemes": {"b": {"type": "http", "scheme": "bearer"}}},
    }
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec))
    with serve_in_thread(_untyped_api()) as url:
        config = {
            "target": url,
            "spec": str(spec_path),
            "identities": [
                {"name": n, "auth": {"type": "bearer", "token": "${TT_" + n.upper() + "}"}}
                for n in ("ann", "ben")
            ],
            "policy": {"rfc9068": rfc9068},
        }
        report = scan_with(tmp_path, config, CHECK)
    findings = [f for f in report["findings"] if f["check"] == CHECK]
    if rfc9068:
        assert [f["severity"] for f in findings] == ["low"]
        assert "hygiene" not in report
    else:
        assert findings == []
        assert [n["check"] for n in report["hygiene"]] == [CHECK]
        assert "`typ: JWT`, not `at+jwt`" in report["hygiene"][0]["remark"]
