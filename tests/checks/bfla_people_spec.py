"""The OpenAPI document of the practice directory in bfla_people_api.py, and the scanner config
for it: bearer security everywhere, no admin tags, a public sign-up and login; the appointment
create has no example (its `doctor_id` and `starts_at` must be completed)."""

from __future__ import annotations

from typing import Any

from tests.checks.bfla_people_api import ROLES


def spec() -> dict[str, Any]:
    ok = {"responses": {"200": {"description": "ok"}}}
    text = {"type": "string"}

    def params(*names: str) -> list[dict[str, Any]]:
        kinds = {"username": "string"}
        return [
            {"name": n, "in": "path", "required": True, "schema": {"type": kinds.get(n, "integer")}}
            for n in names
        ]

    def body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
        schema = {"type": "object", "properties": properties, "required": required}
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    roles = {"role": {"type": "string", "enum": ["member", "moderator"]}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "people", "version": "1"},
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/signup": {
                "post": {
                    **ok,
                    "security": [],
                    "requestBody": body(
                        {"username": text, "email": {**text, "format": "email"}, "password": text},
                        ["username", "email", "password"],
                    ),
                }
            },
            "/auth/login": {
                "post": {
                    **ok,
                    "security": [],
                    "requestBody": body({"email": text, "password": text}, ["email", "password"]),
                }
            },
            "/me": {"get": ok},
            "/people/{username}": {"get": {**ok, "parameters": params("username")}},
            "/people/{username}/role": {
                "put": {
                    **ok,
                    "parameters": params("username"),
                    "requestBody": body(roles, ["role"]),
                }
            },
            "/teams/{team_id}/members/{user_id}": {
                "put": {
                    **ok,
                    "parameters": params("team_id", "user_id"),
                    "requestBody": body(
                        {"role": {"type": "string", "enum": ["member", "lead"]}}, ["role"]
                    ),
                }
            },
            "/appointments": {
                "get": ok,
                "post": {
                    **ok,
                    "requestBody": body(
                        {
                            "doctor_id": {"type": "integer"},
                            "starts_at": {"type": "string", "format": "date-time"},
                            "reason": text,
                        },
                        ["doctor_id", "starts_at"],
                    ),
                },
            },
            "/appointments/{appointment_id}": {
                "get": {**ok, "parameters": params("appointment_id")},
                "delete": {**ok, "parameters": params("appointment_id")},
            },
        },
    }


def config(url: str, spec_file: str) -> dict[str, Any]:
    def identity(name: str) -> dict[str, Any]:
        request = {
            "method": "POST",
            "path": "/auth/login",
            "json": {
                "email": f"{name}@people.example",
                "password": f"${{PEOPLE_{name.upper()}_PASSWORD}}",
            },
        }
        auth = {
            "type": "login",
            "request": request,
            "token": {"from": "body", "path": "$.access_token"},
        }
        return {"name": name, "role": ROLES[name], "auth": auth}

    return {
        "target": url,
        "spec": spec_file,
        "identities": [identity(n) for n in ("pat", "pia", "doc", "root")],
        "endpoints": {
            "login": {
                "method": "POST",
                "path": "/auth/login",
                "username": "$.email",
                "password": "$.password",
            }
        },
        "resources": {
            "pat": {"user_id": ["1"]},
            "pia": {"user_id": ["2"]},
            "doc": {"doctor_id": ["3"]},
        },
    }
