"""The OpenAPI 3.0 document of Hookline, built as a dict."""

from __future__ import annotations

from typing import Any


def op(summary: str, params: tuple[str, ...] = (), public: bool = False) -> dict[str, Any]:
    spec: dict[str, Any] = {"summary": summary, "responses": {"200": {"description": "OK"}}}
    if params:
        spec["parameters"] = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in params
        ]
    if public:
        spec["security"] = []
    return spec


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Hookline", "version": "1.0"},
    "components": {
        "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "hl_sid"}}
    },
    "security": [{"session": []}],
    "paths": {
        "/api/login": {
            "post": {
                "summary": "Log in",
                "security": [],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "email": {"type": "string"},
                                    "password": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"200": {"description": "session cookie"}},
            }
        },
        "/api/profile": {"get": op("The caller's profile")},
        "/api/status": {"get": op("Service status", public=True)},
        "/api/team/members": {"get": op("Team roster")},
        "/api/accounts/{account_id}": {"get": op("An account", ("account_id",))},
        "/api/hooks": {"get": op("The caller's webhooks")},
        "/api/hooks/{hook_id}/deliveries": {"get": op("Deliveries of a webhook", ("hook_id",))},
        "/api/keys/signing": {"get": op("Public key that signs webhook deliveries", public=True)},
    },
}
