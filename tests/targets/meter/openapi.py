"""Meterly's OpenAPI 3.0 document, as a plain dict (served at /openapi.json)."""

from __future__ import annotations

from typing import Any

ERR = {"description": "Error", "content": {"application/json": {"schema": {"type": "object"}}}}
SESSION_OR_KEY = [{"session": []}, {"meterKey": []}]


def ok(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {
        status: {"description": "OK", "content": {"application/json": {"schema": schema}}},
        "401": ERR,
        "403": ERR,
    }


def body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


STATION = {"type": "string", "example": "st-harbour"}
ALERT_IN = {
    "station": {"type": "string", "enum": ["st-harbour", "st-moor"]},
    "metric": {"type": "string", "enum": ["temp", "wind"]},
    "above": {"type": "number", "example": 25},
}
ALERT = {"type": "object", "properties": {"id": {"type": "string"}, **ALERT_IN}}
KEY_OUT = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "key": {"type": "string"}},
}

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Meterly telemetry", "version": "2.4.0"},
    "security": SESSION_OR_KEY,
    "paths": {
        "/v2/login": {
            "post": {
                "security": [],
                "requestBody": body(
                    {"email": {"type": "string"}, "password": {"type": "string"}},
                    ["email", "password"],
                ),
                "responses": ok({"type": "object"}),
            }
        },
        "/v2/account": {"get": {"summary": "The account and its owner", "responses": ok({})}},
        "/v2/stations": {"get": {"responses": ok({"type": "array", "items": {}})}},
        "/v2/stations/{station}/readings": {
            "get": {
                "parameters": [
                    {"name": "station", "in": "path", "required": True, "schema": STATION}
                ],
                "responses": ok({"type": "object"}),
            }
        },
        "/v2/alerts": {
            "post": {
                "summary": "Create an alert rule (write scope)",
                "requestBody": body(ALERT_IN, ["station"]),
                "responses": ok(ALERT, "201"),
            },
        },
        "/v2/alerts/{alert_id}": {
            "parameters": [
                {"name": "alert_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {"responses": ok(ALERT)},
            "delete": {"responses": {"204": {"description": "Deleted"}, "401": ERR, "403": ERR}},
        },
        "/v2/keys": {
            "post": {
                "summary": "Issue an API key (signed-in people only); the key is shown once",
                "security": [{"session": []}],
                "requestBody": body(
                    {
                        "name": {"type": "string", "maxLength": 60},
                        "scopes": {
                            "type": "array",
                            "items": {"type": "string", "enum": ["read", "write"]},
                        },
                    },
                    ["name"],
                ),
                "responses": ok(KEY_OUT, "201"),
            },
        },
        "/v2/keys/{key_id}": {
            "delete": {
                "security": [{"session": []}],
                "parameters": [
                    {"name": "key_id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"204": {"description": "Revoked"}, "401": ERR, "403": ERR},
            }
        },
        "/v2/embed": {
            "get": {
                "summary": "Public current-conditions widget (publishable embed key)",
                "security": [{"embedKey": []}],
                "responses": ok({"type": "object"}),
            }
        },
    },
    "components": {
        "securitySchemes": {
            "session": {"type": "apiKey", "in": "header", "name": "Authorization"},
            "meterKey": {"type": "apiKey", "in": "header", "name": "X-Meter-Key"},
            "embedKey": {"type": "apiKey", "in": "query", "name": "embed_key"},
        }
    },
}
