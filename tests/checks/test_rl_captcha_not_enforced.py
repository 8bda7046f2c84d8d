"""rl-captcha-not-enforced: fires on the lab's password reset (the CAPTCHA is checked only when
sent), silent on the hardened twin; on a form-encoded invite service unlike the lab, a CAPTCHA
skipped when omitted is found and one required every time is not."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from authsift.lab.flaws import LabSettings
from tests.checks.jwt_helpers import findings_of, lab, outcomes, scan
from tests.checks.scanning import scan_app_in_process

CHECK = "rl-captcha-not-enforced"
SOLVED = "solved-by-a-human-0c1f"


def _lab(settings: LabSettings) -> Any:
    with lab(settings) as target:
        return scan(target, [CHECK], **{"checks.intrusive": True})


def test_fires_on_the_lab_password_reset() -> None:
    result = _lab(LabSettings.vulnerable())
    found = findings_of(result, CHECK)
    assert [f.operation.key for f in found if f.operation] == ["POST /auth/password-reset"]
    assert found[0].details["variant"] == "the field omitted"


def test_silent_on_the_hardened_lab() -> None:
    result = _lab(LabSettings.hardened_twin())
    assert findings_of(result, CHECK) == []
    assert outcomes(result, CHECK)["POST /auth/password-reset"].startswith("passed")


def _invites(lax: bool) -> web.Application:
    async def invite(request: web.Request) -> web.Response:
        form = await request.post()
        token = form.get("g-recaptcha-response")
        if token is None and not lax:
            return web.Response(status=400, text="g-recaptcha-response is required")
        if token is not None and token != SOLVED:
            return web.Response(status=403, text="reCAPTCHA verification failed")
        return web.json_response({"queued": True})

    async def me(request: web.Request) -> web.Response:
        ok = request.headers.get("Authorization") == "Bearer inv-token-8f2a61c0"
        return web.json_response({"id": 1}) if ok else web.Response(status=401)

    app = web.Application()
    app.router.add_post("/invites", invite)
    app.router.add_get("/me", me)
    return app


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Invites", "version": "1"},
    "paths": {
        "/invites": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "email": {"type": "string"},
                                    "g-recaptcha-response": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"200": {"description": "queued"}},
            }
        },
        "/me": {"get": {"responses": {"200": {"description": "me"}}}},
    },
}


def _config(url: str, spec: str) -> dict[str, Any]:
    identity = {"name": "ops", "auth": {"type": "bearer", "token": "inv-token-8f2a61c0"}}
    return {"target": url, "spec": spec, "identities": [identity]}


def test_a_captcha_skipped_when_omitted_is_found_on_a_form_service() -> None:
    result, _ = scan_app_in_process(_invites(lax=True), SPEC, _config, {}, CHECK)
    found = findings_of(result, CHECK)
    assert len(found) == 1 and found[0].details["field"] == "g-recaptcha-response"


def test_a_captcha_required_every_time_is_not() -> None:
    result, _ = scan_app_in_process(_invites(lax=False), SPEC, _config, {}, CHECK)
    assert findings_of(result, CHECK) == [], outcomes(result, CHECK)
    assert outcomes(result, CHECK)["POST /invites"].startswith("passed")
